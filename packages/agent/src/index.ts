export * from './agent-task-options.js';
export * from './run-agent-task.js';
export { runAction, type ModelToolCall, type ActionRunResult } from './run-action.js';
export * from './extract-from-page.js';
export * from './output-validator.js';
export * from './actions/action.js';
export { coreActions, actionsForTask } from './actions/action-registry.js';
export * from './model/index.js';
export * from './observation/index.js';
