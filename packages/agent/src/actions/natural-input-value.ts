/**
 * Turns what a person would write ("01/21/2011", "2:37 AM", "Jan 21 2011", "red") into the value
 * format an `<input type=date|time|datetime-local|month|week|color|range>` accepts, or says
 * which format to use. Pure: no page, no clock, no time zone.
 */
export type NaturalValueResult = { value: string } | { problem: string };

/** Input types whose value has one machine format and no typing (a picker sets it). */
export const valueFormattedInputTypes = ['date', 'time', 'datetime-local', 'month', 'week', 'color', 'range'] as const;
export type ValueFormattedInputType = (typeof valueFormattedInputTypes)[number];

export function isValueFormattedInputType(type: string): type is ValueFormattedInputType {
  return (valueFormattedInputTypes as readonly string[]).includes(type);
}

const expectedFormats: Record<ValueFormattedInputType, string> = {
  date: 'a date such as 2011-01-21, 01/21/2011 or Jan 21 2011',
  time: 'a time such as 14:37, 2:37 PM or 14:37:05',
  'datetime-local': 'a date and time such as 2011-01-21T14:37 or 01/21/2011 2:37 PM',
  month: 'a month such as 2011-01, 01/2011 or Jan 2011',
  week: 'a week such as 2011-W03 or week 3 2011 (or a date in that week)',
  color: 'a colour such as #ff0000, #f00, rgb(255, 0, 0) or a CSS colour name',
  range: 'a number',
};

export function naturalInputValue(type: ValueFormattedInputType, text: string): NaturalValueResult {
  const trimmed = text.trim();
  const value = parsers[type](trimmed);
  return value === undefined ? { problem: `${JSON.stringify(text)} is not ${expectedFormats[type]}` } : { value };
}

const parsers: Record<ValueFormattedInputType, (text: string) => string | undefined> = {
  date: (text) => formatDate(parseDate(text)),
  time: (text) => formatTime(parseTime(text)),
  'datetime-local': parseDateTime,
  month: parseMonth,
  week: parseWeek,
  color: parseColor,
  range: (text) => (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? String(Number(text)) : undefined),
};

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

interface ClockTime {
  hour: number;
  minute: number;
  second?: number;
}

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function monthFromName(name: string): number | undefined {
  const position = monthNames.indexOf(name.slice(0, 3).toLowerCase());
  return position === -1 ? undefined : position + 1;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(year: number, month: number, day: number): CalendarDate | undefined {
  if (!Number.isInteger(year) || year < 1 || year > 275760) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

function fullYear(year: string): number {
  const value = Number(year);
  // Two-digit years as a form would read them: 00-69 → 2000s, 70-99 → 1900s.
  if (year.length === 2) return value < 70 ? 2000 + value : 1900 + value;
  return value;
}

function parseDate(text: string): CalendarDate | undefined {
  const cleaned = text.replace(/,/g, ' ').replace(/\s+/g, ' ').trim();
  let match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(cleaned);
  if (match) return validDate(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(cleaned);
  if (match) {
    const first = Number(match[1]);
    const second = Number(match[2]);
    const year = fullYear(match[3]!);
    // Month first as US forms write it, unless the first number cannot be a month.
    return first > 12 ? validDate(year, second, first) : validDate(year, first, second);
  }
  // "Jan 21 2011", "January 21st 2011", "Friday, January 21, 2011"
  match = /^(?:[a-z]+ )?([a-z]{3,}) (\d{1,2})(?:st|nd|rd|th)? (\d{4})$/i.exec(cleaned);
  if (match) {
    const month = monthFromName(match[1]!);
    return month === undefined ? undefined : validDate(Number(match[3]), month, Number(match[2]));
  }
  // "21 January 2011", "21 Jan 2011"
  match = /^(?:[a-z]+ )?(\d{1,2})(?:st|nd|rd|th)? ([a-z]{3,}) (\d{4})$/i.exec(cleaned);
  if (match) {
    const month = monthFromName(match[2]!);
    return month === undefined ? undefined : validDate(Number(match[3]), month, Number(match[1]));
  }
  return undefined;
}

function formatDate(date: CalendarDate | undefined): string | undefined {
  return date && `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

function parseTime(text: string): ClockTime | undefined {
  const match = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])\.?\s*m?\.?$|^(\d{1,2}):(\d{2})(?::(\d{2}))?$/i.exec(text.trim());
  if (!match) return undefined;
  if (match[4] !== undefined) {
    const hour12 = Number(match[1]);
    if (hour12 < 1 || hour12 > 12) return undefined;
    const hour = (hour12 % 12) + (match[4].toLowerCase() === 'p' ? 12 : 0);
    return clockTime(hour, Number(match[2] ?? 0), match[3]);
  }
  return clockTime(Number(match[5]), Number(match[6]), match[7]);
}

function clockTime(hour: number, minute: number, second: string | undefined): ClockTime | undefined {
  if (hour > 23 || minute > 59) return undefined;
  if (second === undefined) return { hour, minute };
  const seconds = Number(second);
  return seconds > 59 ? undefined : { hour, minute, second: seconds };
}

function formatTime(time: ClockTime | undefined): string | undefined {
  if (!time) return undefined;
  const base = `${pad(time.hour)}:${pad(time.minute)}`;
  return time.second === undefined || time.second === 0 ? base : `${base}:${pad(time.second)}`;
}

function parseDateTime(text: string): string | undefined {
  const trimmed = text.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2}(?::\d{2})?)$/.exec(trimmed);
  if (iso) {
    const date = formatDate(parseDate(iso[1]!));
    const time = formatTime(parseTime(iso[2]!));
    return date && time ? `${date}T${time}` : undefined;
  }
  // The time is the tail that parses as one: "01/21/2011 2:37 AM", "Jan 21, 2011 at 14:37".
  const words = trimmed.split(/\s+/);
  for (let split = words.length - 1; split >= 1; split -= 1) {
    const time = formatTime(parseTime(words.slice(split).join(' ')));
    const date = formatDate(parseDate(words.slice(0, split).join(' ').replace(/,?\s*at$/i, '').replace(/,$/, '')));
    if (time && date) return `${date}T${time}`;
  }
  return undefined;
}

function parseMonth(text: string): string | undefined {
  const cleaned = text.replace(/,/g, ' ').replace(/\s+/g, ' ').trim();
  let match = /^(\d{4})[-/.](\d{1,2})$/.exec(cleaned);
  if (match) return monthValue(Number(match[1]), Number(match[2]));
  match = /^(\d{1,2})[-/.](\d{4})$/.exec(cleaned);
  if (match) return monthValue(Number(match[2]), Number(match[1]));
  match = /^([a-z]{3,}) (\d{4})$/i.exec(cleaned);
  if (match) {
    const month = monthFromName(match[1]!);
    return month === undefined ? undefined : monthValue(Number(match[2]), month);
  }
  const date = parseDate(cleaned);
  return date && monthValue(date.year, date.month);
}

function monthValue(year: number, month: number): string | undefined {
  return month >= 1 && month <= 12 && year >= 1 ? `${pad(year, 4)}-${pad(month)}` : undefined;
}

function parseWeek(text: string): string | undefined {
  const cleaned = text.replace(/,/g, ' ').replace(/\s+/g, ' ').trim();
  let match = /^(\d{4})-?w(\d{1,2})$/i.exec(cleaned);
  if (match) return weekValue(Number(match[1]), Number(match[2]));
  match = /^(?:week|w)\s?(\d{1,2}) (?:of )?(\d{4})$/i.exec(cleaned);
  if (match) return weekValue(Number(match[2]), Number(match[1]));
  const date = parseDate(cleaned);
  if (!date) return undefined;
  const week = isoWeekOf(date);
  return weekValue(week.year, week.week);
}

function weekValue(year: number, week: number): string | undefined {
  return week >= 1 && week <= weeksInIsoYear(year) ? `${pad(year, 4)}-W${pad(week)}` : undefined;
}

/** ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday. */
function isoWeekOf(date: CalendarDate): { year: number; week: number } {
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  return { year: day.getUTCFullYear(), week: Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

function weeksInIsoYear(year: number): number {
  return isoWeekOf({ year, month: 12, day: 28 }).week;
}

const namedColours: Record<string, string> = {
  black: '#000000', white: '#ffffff', red: '#ff0000', lime: '#00ff00', green: '#008000', blue: '#0000ff',
  yellow: '#ffff00', cyan: '#00ffff', aqua: '#00ffff', magenta: '#ff00ff', fuchsia: '#ff00ff', silver: '#c0c0c0',
  gray: '#808080', grey: '#808080', maroon: '#800000', olive: '#808000', purple: '#800080', teal: '#008080',
  navy: '#000080', orange: '#ffa500', pink: '#ffc0cb', brown: '#a52a2a', gold: '#ffd700', indigo: '#4b0082',
  violet: '#ee82ee', coral: '#ff7f50', salmon: '#fa8072', tomato: '#ff6347', crimson: '#dc143c', khaki: '#f0e68c',
  turquoise: '#40e0d0', beige: '#f5f5dc', lavender: '#e6e6fa', tan: '#d2b48c', chocolate: '#d2691e',
};

function parseColor(text: string): string | undefined {
  const lower = text.toLowerCase().replace(/\s+/g, '');
  if (namedColours[lower]) return namedColours[lower];
  let match = /^#?([0-9a-f]{6})$/.exec(lower);
  if (match) return `#${match[1]}`;
  match = /^#?([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(lower);
  if (match) return `#${match[1]}${match[1]}${match[2]}${match[2]}${match[3]}${match[3]}`;
  match = /^rgba?\((\d{1,3}),(\d{1,3}),(\d{1,3})(?:,[\d.]+)?\)$/.exec(lower);
  if (match) {
    const channels = [match[1], match[2], match[3]].map(Number);
    if (channels.some((channel) => channel > 255)) return undefined;
    return `#${channels.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
  }
  return undefined;
}
