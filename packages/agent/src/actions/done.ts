import { z } from 'zod';
import { defineAction, type AnyAction } from './action.js';
import type { OutputValidator } from '../output-validator.js';

/** The answer did not fit the response model; the loop asks again and gives up after a few tries. */
export class OutputMismatchError extends Error {
  constructor(readonly problems: string[]) {
    super(`The output does not match the required schema: ${problems.join('; ')}. Call done again with corrected output.`);
    this.name = 'OutputMismatchError';
  }
}

const textDone = defineAction({
  name: 'done',
  description: 'Finish the task with the final answer. Call it alone, once the task is complete.',
  inputSchema: z.object({ answer: z.string().describe('The final answer for the user') }),
  async handler({ answer }) {
    return { text: 'Task finished.', finished: { output: answer } };
  },
});

/** `done` takes the answer as text, or as `output` matching the task's response model. */
export function doneAction(validator?: OutputValidator): AnyAction {
  if (!validator) return textDone;
  return defineAction<{ output: unknown }>({
    name: 'done',
    description: 'Finish the task with the final answer as `output`, matching the required JSON schema. Call it alone, once the task is complete.',
    inputSchema: {
      jsonSchema: { type: 'object', properties: { output: validator.schema }, required: ['output'], additionalProperties: false },
    },
    async handler(input) {
      const output = input?.output;
      const problems = validator.problems(output);
      if (problems.length > 0) throw new OutputMismatchError(problems);
      return { text: 'Task finished.', finished: { output } };
    },
  });
}
