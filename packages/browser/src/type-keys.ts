import type { Page } from 'playwright-core';

import { IsolatedWorld } from './isolated-world.js';

/** One key of a US keyboard as CDP's Input.dispatchKeyEvent takes it. */
interface KeyDefinition {
  key: string;
  code: string;
  keyCode: number;
  /** What the key types; absent for keys that type nothing (Tab). */
  text?: string;
}

/** Punctuation of a US layout: the unshifted and shifted character, the key's code and key code. */
const punctuationKeys: Array<[string, string, string, number]> = [
  [' ', ' ', 'Space', 32],
  ['-', '_', 'Minus', 189],
  ['=', '+', 'Equal', 187],
  ['[', '{', 'BracketLeft', 219],
  [']', '}', 'BracketRight', 221],
  ['\\', '|', 'Backslash', 220],
  [';', ':', 'Semicolon', 186],
  ["'", '"', 'Quote', 222],
  [',', '<', 'Comma', 188],
  ['.', '>', 'Period', 190],
  ['/', '?', 'Slash', 191],
  ['`', '~', 'Backquote', 192],
];
const shiftedDigits = ')!@#$%^&*(';

/** The characters a US keyboard types with one key (Shift aside), as Playwright's keyboard sends them. */
function usKeyboard(): Map<string, KeyDefinition> {
  const keys = new Map<string, KeyDefinition>();
  for (let offset = 0; offset < 26; offset += 1) {
    const upper = String.fromCharCode(65 + offset);
    const lower = upper.toLowerCase();
    keys.set(lower, { key: lower, code: `Key${upper}`, keyCode: 65 + offset, text: lower });
    keys.set(upper, { key: upper, code: `Key${upper}`, keyCode: 65 + offset, text: upper });
  }
  for (let digit = 0; digit < 10; digit += 1) {
    const character = String(digit);
    keys.set(character, { key: character, code: `Digit${character}`, keyCode: 48 + digit, text: character });
    const shifted = shiftedDigits.charAt(digit);
    keys.set(shifted, { key: shifted, code: `Digit${character}`, keyCode: 48 + digit, text: shifted });
  }
  for (const [plain, shifted, code, keyCode] of punctuationKeys) {
    keys.set(plain, { key: plain, code, keyCode, text: plain });
    keys.set(shifted, { key: shifted, code, keyCode, text: shifted });
  }
  const enter = { key: 'Enter', code: 'Enter', keyCode: 13, text: '\r' };
  keys.set('\n', enter);
  keys.set('\r', enter);
  keys.set('\t', { key: 'Tab', code: 'Tab', keyCode: 9 });
  return keys;
}

const keyboard = usKeyboard();

/**
 * Types `text` with real key events (keydown, keypress, input, keyup per character, as a person
 * and Playwright's `keyboard.type` produce them), into whatever has focus. Characters a US keyboard
 * has are keys; others (é, emoji) are inserted as text, as Playwright does. Unlike Playwright's
 * keyboard, which waits for the renderer to handle each event before sending the next (two round
 * trips per character), the key events of a run of characters are sent at once on the page's CDP
 * session and awaited together: Chromium queues them in order and the page handles each in turn,
 * its listeners running between them as they do for a fast typist.
 */
export async function typeKeys(page: Page, text: string): Promise<void> {
  const { session } = await IsolatedWorld.for(page);
  const send = session.send.bind(session) as (method: string, parameters: object) => Promise<unknown>;
  let pending: Array<Promise<unknown>> = [];
  for (const character of text) {
    const definition = keyboard.get(character);
    if (!definition) {
      // Text insertion takes another path in Chromium than key events: keep the order by waiting.
      await Promise.all(pending);
      pending = [];
      await send('Input.insertText', { text: character });
      continue;
    }
    const common = { key: definition.key, code: definition.code, windowsVirtualKeyCode: definition.keyCode, modifiers: 0, location: 0 };
    pending.push(
      send('Input.dispatchKeyEvent', {
        type: definition.text === undefined ? 'rawKeyDown' : 'keyDown',
        ...common,
        ...(definition.text === undefined ? {} : { text: definition.text, unmodifiedText: definition.text }),
      }),
      send('Input.dispatchKeyEvent', { type: 'keyUp', ...common }),
    );
  }
  await Promise.all(pending);
}

/** Events by which page script could tell typed keys from inserted text. */
const typingEventTypes = [
  'keydown', 'keypress', 'keyup', 'input', 'beforeinput', 'textInput', 'textinput',
  'compositionstart', 'compositionupdate', 'compositionend', 'select', 'selectionchange',
];
/** Shorter text is typed with keys at once: the listener check would cost about as much. */
const insertMinimumLength = 4;

export interface TypeTextTarget {
  /** The CDP frame id of the focused field. */
  frameId: string;
  /**
   * The field is a plain text input or a textarea outside any shadow root, so that inserting
   * text and typing it leave the same value (not a number field, not contenteditable).
   */
  insertable: boolean;
}

/**
 * Types `text` into the focused field: with real key events (typeKeys), or, when no script of the
 * field's frame could tell the difference, as one text insertion. That is when the frame has no
 * listener of a key, input, composition or selection event anywhere: not on its window, its
 * document or any element (checked after the field took focus, so listeners a page adds on focus
 * count). Inserted text fires one beforeinput/input pair that nobody hears, and the field ends
 * with the value keys would give it (maxlength applies alike). Returns which way it went.
 */
export async function typeText(page: Page, text: string, target: TypeTextTarget): Promise<'keys' | 'inserted'> {
  if (target.insertable && text.length >= insertMinimumLength) {
    const world = await IsolatedWorld.for(page);
    const heard = await world.hasListeners(target.frameId, typingEventTypes).catch(() => true);
    if (!heard) {
      await world.session.send('Input.insertText', { text });
      return 'inserted';
    }
  }
  await typeKeys(page, text);
  return 'keys';
}
