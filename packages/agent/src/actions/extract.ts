import { z } from 'zod';
import { defineAction } from './action.js';
import { extractFromPage } from '../extract-from-page.js';

const maximumResultCharacters = 8_000;

export const extractAction = defineAction({
  name: 'extract',
  description:
    'Read structured data from the whole current page (not only what is visible) with a separate model call. Give what to extract and, optionally, a JSON schema for the result.',
  inputSchema: z.object({
    prompt: z.string().min(1),
    schema: z.record(z.string(), z.unknown()).optional(),
  }),
  async handler({ prompt, schema }, context) {
    const result = await extractFromPage({
      page: context.taskContext.page,
      prompt,
      schema: schema ?? { type: 'object', additionalProperties: true },
      model: context.model,
      signal: context.signal,
    });
    context.addCost(result.costDollars);
    // Masked where it leaves the run (step log) and where it goes to the model (middleware).
    const text = JSON.stringify(result.output);
    return text.length > maximumResultCharacters ? `${text.slice(0, maximumResultCharacters)}… (cut)` : text;
  },
});
