import { raceAbort, typeKeys, typeText } from '@open-smooth/browser';
import { evaluateOnElement } from '../observation/index.js';
import { ActionError, type ActionContext } from './action.js';
import { clickElement } from './click-element.js';
import { actionTimeoutMs, elementAt } from './element-target.js';
import { isValueFormattedInputType, naturalInputValue } from './natural-input-value.js';
import { prepareForTyping, readTypedText, setFormattedValue, type TypingTarget } from './prepare-for-typing.js';

/** What typing achieved, told to the model after "Typed … into [n]". */
export interface FillOutcome {
  /** Extra words for the model, e.g. how the page formatted the value; empty when it is exact. */
  note: string;
}

/**
 * Replaces the text of `[index]` with `text` (already revealed: it may hold a secret, so it is
 * never put in a message) the way a person does: select the old text, then real key events
 * (keydown, keypress, input, keyup per character) so key-driven pages see them (inserted at once
 * where no script of the page could tell, see typeText). Then it reads
 * the field back and fails when it does not hold what was typed. Date, time, colour and range
 * inputs take their value in a natural format instead, converted to theirs.
 */
export async function fillElement(context: ActionContext, index: number, text: string, shownText: string): Promise<FillOutcome> {
  const page = context.taskContext.page;
  let target = await prepare(context, index);
  if (target.kind === 'fallback') {
    // Hidden or not yet focusable: Playwright scrolls to it and waits until it can be clicked.
    const element = await elementAt(context, index);
    await raceAbort(element.click({ timeout: actionTimeoutMs }), context.signal);
    target = await prepare(context, index);
    if (target.kind === 'fallback') throw new ActionError(`[${index}] cannot be typed into: ${target.reason}.`);
  }
  switch (target.kind) {
    case 'select':
      throw new ActionError(`[${index}] is a select: use select_option instead.`);
    case 'refused':
      throw new ActionError(`[${index}] cannot be typed into: ${target.reason}.`);
    case 'value':
      return setValue(context, index, target.inputType, text, shownText);
    case 'keys':
      await clickElement(context, index);
      await raceAbort(typeKeys(page, text), context.signal);
      return { note: ' It is not a text field, so the keys went to it while focused; its content cannot be read back.' };
    case 'text':
    case 'contenteditable': {
      // An input's value cannot hold line breaks, and Enter in it would submit the form.
      const typed = target.kind === 'text' && target.tagName === 'input' ? text.replace(/[\r\n]+/g, '') : text.replace(/\r\n?/g, '\n');
      if (typed === '') await raceAbort(page.keyboard.press('Delete'), context.signal);
      else if (target.kind === 'contenteditable') await raceAbort(typeKeys(page, typed), context.signal);
      else await raceAbort(typeText(page, typed, { frameId: frameIdOf(context, index), insertable: target.insertable }), context.signal);
      const held = await raceAbort(evaluateOnElement(page, context.observation, index, readTypedText, undefined), context.signal);
      return compareHeld(index, target, typed, held);
    }
  }
}

/** The frame of `[index]` (prepare found the element, so the observation lists it). */
function frameIdOf(context: ActionContext, index: number): string {
  const element = context.observation.elements.find((candidate) => candidate.index === index);
  if (!element) throw new ActionError(`[${index}] is not in the page view.`);
  return element.reference.frameId;
}

async function prepare(context: ActionContext, index: number): Promise<TypingTarget> {
  return raceAbort(evaluateOnElement(context.taskContext.page, context.observation, index, prepareForTyping, undefined), context.signal);
}

async function setValue(context: ActionContext, index: number, inputType: string, text: string, shownText: string): Promise<FillOutcome> {
  if (!isValueFormattedInputType(inputType)) throw new ActionError(`[${index}] is an input of type ${inputType}, which cannot be typed into.`);
  const converted = naturalInputValue(inputType, text);
  if ('problem' in converted) {
    throw new ActionError(`[${index}] is an input type=${inputType}: ${converted.problem.replace(JSON.stringify(text), JSON.stringify(shownText))}.`);
  }
  const page = context.taskContext.page;
  const result = await raceAbort(evaluateOnElement(page, context.observation, index, setFormattedValue, converted.value), context.signal);
  if (result.kept === converted.value) return { note: converted.value === text.trim() ? '' : ` (as ${converted.value})` };
  const limits = [result.min && `min ${result.min}`, result.max && `max ${result.max}`, result.step && `step ${result.step}`].filter(Boolean).join(', ');
  if (inputType === 'range') return { note: ` but the slider moved to ${result.kept}${limits ? ` (${limits})` : ''}` };
  throw new ActionError(
    `[${index}] (input type=${inputType}) did not keep ${converted.value}${limits ? ` (${limits})` : ''}; it holds ${JSON.stringify(result.kept)}.`,
  );
}

function compareHeld(index: number, target: TypingTarget, typed: string, held: string | null): FillOutcome {
  if (held === null) return { note: '' };
  const normalise = (value: string) => (target.kind === 'contenteditable' ? value.replace(/\s+/g, ' ').trim() : value);
  if (normalise(held) === normalise(typed)) return { note: '' };
  const letters = (value: string) => value.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
  if (letters(held) === letters(typed)) return { note: ` The page formatted it as ${JSON.stringify(held)}.` };
  if (held.toLowerCase().startsWith(typed.toLowerCase())) return { note: ` The page completed it to ${JSON.stringify(held)}.` };
  if (target.kind === 'text' && target.maxLength >= 0 && held.length === target.maxLength && typed.startsWith(held)) {
    throw new ActionError(`[${index}] took only the first ${held.length} of ${typed.length} characters (maxlength ${target.maxLength}).`);
  }
  throw new ActionError(`after typing, [${index}] holds ${JSON.stringify(held)}, not the text typed; the page changed or rejected it.`);
}
