import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { defineAction } from './action.js';

/** Saves the page as a PDF with the task's files (smooth.sh's `print_page` additional tool). */
export const printPageAction = defineAction({
  name: 'print_page',
  description: "Save the current page as a PDF; it is returned with the task's files.",
  inputSchema: z.object({}),
  keepsElementList: () => true,
  async handler(_input, context) {
    const page = context.taskContext.page;
    const title = (await page.title()).trim() || 'page';
    const bytes = await raceAbort(page.pdf({ printBackground: true }), context.signal);
    const file = await context.taskContext.saveFile(`${title.slice(0, 80)}.pdf`, bytes);
    return `Saved the page as PDF ${JSON.stringify(file.path.split('/').pop())} (${Math.ceil(bytes.byteLength / 1024)} KB); it is returned with the task's files.`;
  },
});
