import { raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { ActionError, defineAction } from './action.js';
import { actionTimeoutMs, describeElement, elementAt } from './element-target.js';

export const uploadFileAction = defineAction({
  name: 'upload_file',
  description: 'Put one of the task files into the file input with this index (or the button that opens a file picker).',
  inputSchema: z.object({ index: z.number().int().min(1), file: z.string().min(1).describe('A file name from the task files') }),
  async handler({ index, file }, context) {
    const chosen = context.files.find((candidate) => candidate.name === file);
    if (!chosen) {
      const names = context.files.map((candidate) => candidate.name);
      throw new ActionError(`No task file named ${JSON.stringify(file)}. Available: ${names.length ? names.join(', ') : 'none'}.`);
    }
    const element = await elementAt(context, index);
    const isFileInput = await element.evaluate((node) => node instanceof HTMLInputElement && node.type === 'file');
    if (isFileInput) {
      await raceAbort(element.setInputFiles(chosen.path, { timeout: actionTimeoutMs }), context.signal);
    } else {
      const page = context.taskContext.page;
      const [chooser] = await raceAbort(
        Promise.all([page.waitForEvent('filechooser', { timeout: actionTimeoutMs }), element.click({ timeout: actionTimeoutMs })]),
        context.signal,
      ).catch((error: unknown) => {
        if (context.signal.aborted) throw error;
        throw new ActionError(`${describeElement(context, index)} is not a file input and clicking it opened no file picker.`);
      });
      await chooser.setFiles(chosen.path);
    }
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `Attached ${file} to ${describeElement(context, index)}.`;
  },
});
