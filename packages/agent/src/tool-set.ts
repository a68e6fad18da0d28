import { jsonSchema, tool, type FlexibleSchema, type JSONSchema7, type ToolSet } from 'ai';
import type { ActionDefinition } from './actions/action.js';

/** The AI SDK view of the actions: schemas and descriptions only; the loop runs the handlers. */
export function toolSetFor(actions: ActionDefinition<any>[]): ToolSet {
  const tools: ToolSet = {};
  for (const action of actions) {
    tools[action.name] = tool({ description: action.description, inputSchema: inputSchemaOf(action) });
  }
  return tools;
}

/**
 * A zod schema as it is; a JSON schema (custom tools, already an object schema: see
 * customToolInputSchema) through the AI SDK's `jsonSchema`.
 */
function inputSchemaOf(action: ActionDefinition<any>): FlexibleSchema<unknown> {
  const schema = action.inputSchema;
  return 'jsonSchema' in schema ? jsonSchema<unknown>(schema.jsonSchema as JSONSchema7) : schema;
}
