import { escapeHtml } from './escape-html.js';
import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { readForm } from './request-body.js';
import type { SiteContext, SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A hotel booking form with native date, time, datetime-local, month, week and colour inputs
 * (/booking), and a trip form with a jQuery-UI-like popup calendar on a text field
 * (/booking/calendar): Prev/Next arrows, a month title, one link per day. Both POST to the server,
 * which records the submitted values.
 */
const style = `
form.booking{background:#fff;border:1px solid #d5dae0;border-radius:6px;padding:12px 18px;max-width:520px}
form.booking input{padding:6px 8px;border:1px solid #b7bec8;border-radius:4px;font:inherit}
.picker{position:absolute;z-index:20;background:#fff;border:1px solid #aab4c0;border-radius:4px;padding:6px;box-shadow:0 4px 12px rgba(0,0,0,.15);width:230px}
.picker-header{display:flex;justify-content:space-between;align-items:center;font-weight:600;margin-bottom:4px}
.picker-header a{cursor:pointer;padding:2px 6px;color:#14324f;text-decoration:none}
.picker table{width:100%}
.picker td,.picker th{padding:2px;text-align:center;border:0;font-size:13px}
.picker td a{display:block;padding:2px;color:#14324f;text-decoration:none;cursor:pointer}
.picker td a:hover{background:#eef3f9}
`;

const nativeBody = `<h1>Book your stay</h1>
<form class="booking" method="post" action="/booking">
  <label for="check-in">Check-in date</label><input type="date" id="check-in" name="check_in" required>
  <label for="arrival">Arrival time</label><input type="time" id="arrival" name="arrival_time" required>
  <label for="pickup">Airport pickup</label><input type="datetime-local" id="pickup" name="pickup">
  <label for="card-expiry">Card expiry month</label><input type="month" id="card-expiry" name="card_expiry">
  <label for="room-colour">Room accent colour</label><input type="color" id="room-colour" name="room_colour" value="#000000">
  <p><button type="submit">Reserve</button></p>
</form>`;

const calendarScript = `${recordResultScript}
var monthNames = ['January','February','March','April','May','June','July','August','September','October','November','December'];
var field = document.getElementById('departure');
var shown = { year: 2024, month: 2 };
var picker = null;
function pad(n) { return (n < 10 ? '0' : '') + n; }
function close() { if (picker) { picker.remove(); picker = null; } }
function render() {
  close();
  picker = document.createElement('div');
  picker.className = 'picker';
  var box = field.getBoundingClientRect();
  picker.style.left = (box.left + window.scrollX) + 'px';
  picker.style.top = (box.bottom + window.scrollY + 2) + 'px';
  var days = new Date(shown.year, shown.month + 1, 0).getDate();
  var first = new Date(shown.year, shown.month, 1).getDay();
  var html = '<div class="picker-header"><a class="picker-prev" title="Prev"><span>Prev</span></a>' +
    '<span class="picker-title">' + monthNames[shown.month] + ' ' + shown.year + '</span>' +
    '<a class="picker-next" title="Next"><span>Next</span></a></div><table><thead><tr>' +
    ['Su','Mo','Tu','We','Th','Fr','Sa'].map(function (d) { return '<th>' + d + '</th>'; }).join('') + '</tr></thead><tbody><tr>';
  for (var blank = 0; blank < first; blank += 1) html += '<td></td>';
  for (var day = 1; day <= days; day += 1) {
    if ((first + day - 1) % 7 === 0 && day > 1) html += '</tr><tr>';
    html += '<td><a data-day="' + day + '">' + day + '</a></td>';
  }
  html += '</tr></tbody></table>';
  picker.innerHTML = html;
  document.body.appendChild(picker);
}
field.addEventListener('focus', render);
document.addEventListener('click', function (event) {
  var target = event.target;
  if (!(target instanceof Element)) return;
  if (target.closest('.picker-prev')) { shown.month -= 1; if (shown.month < 0) { shown.month = 11; shown.year -= 1; } render(); return; }
  if (target.closest('.picker-next')) { shown.month += 1; if (shown.month > 11) { shown.month = 0; shown.year += 1; } render(); return; }
  var day = target.closest('a[data-day]');
  if (day) { field.value = pad(shown.month + 1) + '/' + pad(Number(day.getAttribute('data-day'))) + '/' + shown.year; close(); return; }
  if (picker && !picker.contains(target) && target !== field) close();
});
`;

const calendarBody = `<h1>Plan a trip</h1>
<form class="booking" method="post" action="/booking/calendar">
  <label for="departure">Departure date</label><input type="text" id="departure" name="departure" placeholder="mm/dd/yyyy" autocomplete="off">
  <p><button type="submit">Search trips</button></p>
</form>`;

function renderConfirmation(context: SiteContext, values: Record<string, string>): void {
  const rows = Object.entries(values)
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const body = `<h1>Request received</h1><table>${rows}</table>`;
  sendHtml(context.response, renderPage(context, { title: 'Request received – Harbour Inn', brand: 'Harbour Inn', body }));
}

async function recordSubmission(context: SiteContext, form: string): Promise<void> {
  const values = await readForm(context.request);
  context.state.records.formSubmissions.push({ form, ...values });
  renderConfirmation(context, values);
}

export const bookingDatesRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/booking',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Book – Harbour Inn', brand: 'Harbour Inn', body: nativeBody, style })),
  },
  { method: 'POST', path: '/booking', handle: (context) => recordSubmission(context, 'booking') },
  {
    method: 'GET',
    path: '/booking/calendar',
    handle: (context) =>
      sendHtml(context.response, renderPage(context, { title: 'Trips – Harbour Inn', brand: 'Harbour Inn', body: calendarBody, style, script: calendarScript })),
  },
  { method: 'POST', path: '/booking/calendar', handle: (context) => recordSubmission(context, 'calendar') },
];
