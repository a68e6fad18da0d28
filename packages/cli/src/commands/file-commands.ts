import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { stringOption, type CliCommand } from '../cli-command.js';
import { UsageError } from '../cli-errors.js';

export const uploadFileCommand: CliCommand = {
  name: 'upload-file',
  summary: 'Upload a file for tasks to use; prints its file id',
  usage: 'smooth upload-file <path> [--name NAME] [--purpose TEXT]',
  options: { name: { type: 'string' }, purpose: { type: 'string' } },
  positionals: ['path'],
  async run({ positionals, values, output, client }) {
    const [path = ''] = positionals;
    try {
      await access(path);
    } catch {
      throw new UsageError(`File not found: ${path}`);
    }
    const name = stringOption(values, 'name') ?? basename(path);
    const uploaded = await (await client()).uploadFile(path, { name, purpose: stringOption(values, 'purpose') });
    output.result('File uploaded', { file_id: uploaded.id, name }, ['File uploaded successfully!', `File ID: ${uploaded.id}`]);
    return 0;
  },
};

export const deleteFileCommand: CliCommand = {
  name: 'delete-file',
  summary: 'Delete an uploaded file',
  usage: 'smooth delete-file <file-id>',
  options: {},
  positionals: ['file-id'],
  async run({ positionals, output, client }) {
    const [fileId = ''] = positionals;
    await (await client()).deleteFile(fileId);
    output.result('File deleted', { file_id: fileId }, [`File '${fileId}' deleted successfully!`]);
    return 0;
  },
};
