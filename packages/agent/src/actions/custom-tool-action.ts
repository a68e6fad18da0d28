import type { CustomTool } from '@open-smooth/protocol';
import { ActionError, TaskFailedError, defineAction, type ActionDefinition } from './action.js';
import { CustomToolError, type CustomToolCall } from '../agent-task-options.js';
import { customToolInputSchema } from './custom-tool-input-schema.js';

const maximumResultCharacters = 8_000;

/** A tool that runs on the client: its answer (or its 400 error) goes back to the model as data. */
export function customToolAction(
  tool: CustomTool,
  callCustomTool: (call: CustomToolCall, signal: AbortSignal) => Promise<unknown>,
): ActionDefinition<any> {
  return defineAction<unknown>({
    name: tool.name,
    description: `${tool.description}${tool.output ? ` Returns: ${tool.output}` : ''}`,
    inputSchema: { jsonSchema: customToolInputSchema(tool.inputs) },
    async handler(input, context) {
      try {
        const result = await callCustomTool({ name: tool.name, input }, context.signal);
        const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
        return text.length > maximumResultCharacters ? `${text.slice(0, maximumResultCharacters)}… (cut)` : text;
      } catch (error) {
        if (error instanceof CustomToolError && error.code === 400) throw new ActionError(`Tool ${tool.name} failed: ${error.message}`);
        if (error instanceof CustomToolError) throw new TaskFailedError(`custom tool ${tool.name} failed: ${error.message}`);
        throw error;
      }
    },
  });
}
