import { jsonSchema, tool, type ToolSet } from 'ai';
import type { ActionDefinition } from './actions/action.js';

/** The AI SDK view of the actions: schemas and descriptions only; the loop runs the handlers. */
export function toolSetFor(actions: ActionDefinition<any>[]): ToolSet {
  const tools: ToolSet = {};
  for (const action of actions) {
    const inputSchema = 'jsonSchema' in action.inputSchema ? jsonSchema(action.inputSchema.jsonSchema as never) : action.inputSchema;
    tools[action.name] = tool({ description: action.description, inputSchema: inputSchema as never });
  }
  return tools;
}
