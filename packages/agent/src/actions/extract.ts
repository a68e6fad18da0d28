import { z } from 'zod';
import { defineAction } from './action.js';
import { extractFromPage } from '../extract-from-page.js';

const maximumResultCharacters = 8_000;

export const extractAction = defineAction({
  name: 'extract',
  description:
    "Read structured data from the current page's full content with a separate model call: all of its text in every frame, content that is present but hidden (collapsed sections, other tabs), whole form values, link URLs; not the shortened page view. Give what to extract and, optionally, a JSON schema for the result.",
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
