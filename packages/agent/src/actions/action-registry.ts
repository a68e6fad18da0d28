import type { ActionDefinition } from './action.js';
import { backAction } from './back.js';
import { clickAction } from './click.js';
import { customToolAction } from './custom-tool-action.js';
import { doneAction } from './done.js';
import { dragDropAction } from './drag-drop.js';
import { extractAction } from './extract.js';
import { gotoAction } from './goto.js';
import { hoverAction } from './hover.js';
import { pressKeyAction } from './press-key.js';
import { scrollAction } from './scroll.js';
import { selectOptionAction } from './select-option.js';
import { switchTabAction } from './switch-tab.js';
import { typeAction } from './type-text.js';
import { uploadFileAction } from './upload-file.js';
import { waitForAction } from './wait-for.js';
import type { AgentTaskOptions } from '../agent-task-options.js';
import type { OutputValidator } from '../output-validator.js';

/** Every task has these; order is part of the byte-stable prompt prefix. */
export const coreActions: ActionDefinition<any>[] = [
  gotoAction,
  clickAction,
  typeAction,
  selectOptionAction,
  pressKeyAction,
  scrollAction,
  backAction,
  waitForAction,
  switchTabAction,
  uploadFileAction,
  extractAction,
];

/** Opt-in actions, enabled by `additional_tools` (names as on the wire). */
export const additionalActions: Record<string, ActionDefinition<any>> = {
  hover: hoverAction,
  drag_drop: dragDropAction,
};

/** The full action list of one task: core, enabled extras, the client's tools, then `done`. */
export function actionsForTask(options: AgentTaskOptions, validator?: OutputValidator): ActionDefinition<any>[] {
  const enabled = Object.keys(options.additionalTools ?? {}).flatMap((name) => {
    const action = additionalActions[name];
    return action ? [action] : [];
  });
  const clientTools =
    options.customTools && options.callCustomTool
      ? options.customTools.map((tool) => customToolAction(tool, options.callCustomTool!))
      : [];
  return [...coreActions, ...enabled, ...clientTools, doneAction(validator)];
}
