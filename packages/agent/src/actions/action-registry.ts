import { additionalToolNames } from '@open-smooth/protocol';
import type { AnyAction } from './action.js';
import { backAction } from './back.js';
import { clickAction } from './click.js';
import { customToolAction } from './custom-tool-action.js';
import { doneAction } from './done.js';
import { dragAction } from './drag.js';
import { extractAction } from './extract.js';
import { gotoAction } from './goto.js';
import { hoverAction } from './hover.js';
import { pressKeyAction } from './press-key.js';
import { printPageAction } from './print-page.js';
import { readValueAction } from './read-value.js';
import { runScriptAction } from './run-script.js';
import { screenshotAction } from './screenshot.js';
import { scrollAction } from './scroll.js';
import { selectOptionAction } from './select-option.js';
import { selectTextAction } from './select-text.js';
import { switchTabAction } from './switch-tab.js';
import { typeAction } from './type-text.js';
import { uploadFileAction } from './upload-file.js';
import { waitForAction } from './wait-for.js';
import type { AgentTaskOptions } from '../agent-task-options.js';
import type { OutputValidator } from '../output-validator.js';

/** Every task has these, what a person can do on any page; order is part of the byte-stable prompt prefix. */
export const coreActions: AnyAction[] = [
  gotoAction,
  clickAction,
  typeAction,
  selectOptionAction,
  pressKeyAction,
  hoverAction,
  dragAction,
  selectTextAction,
  scrollAction,
  backAction,
  waitForAction,
  switchTabAction,
  uploadFileAction,
  readValueAction,
  extractAction,
  runScriptAction,
];

/**
 * smooth.sh's `additional_tools` (validated at the wire: unknown names are refused there).
 * hover and drag_drop are core actions here (drag_drop is `drag`), so enabling them changes nothing.
 */
function additionalActions(options: AgentTaskOptions): AnyAction[] {
  const tools = options.additionalTools ?? {};
  const unknown = Object.keys(tools).filter((name) => !(additionalToolNames as string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown additional tool ${unknown.map((name) => `"${name}"`).join(', ')}; the additional tools are ${additionalToolNames.join(', ')}`);
  const saveScreenshot = 'screenshot' in tools ? { fullPage: tools.screenshot?.full_page === true } : undefined;
  const extras: AnyAction[] = [];
  if (saveScreenshot || options.model.acceptsImages) {
    extras.push(screenshotAction({ showModel: options.model.acceptsImages, ...(saveScreenshot ? { save: saveScreenshot } : {}) }));
  }
  if ('print_page' in tools) extras.push(printPageAction);
  return extras;
}

/** The full action list of one task: core, screenshot/print_page when on, the client's tools, then `done`. */
export function actionsForTask(options: AgentTaskOptions, validator?: OutputValidator): AnyAction[] {
  const clientTools =
    options.customTools && options.callCustomTool
      ? options.customTools.map((tool) => customToolAction(tool, options.callCustomTool!))
      : [];
  return [...coreActions, ...additionalActions(options), ...clientTools, doneAction(validator)];
}
