import { secretPlaceholder, type Metadata, type Secret } from '@open-smooth/protocol';
import type { UploadableFile } from './agent-task-options.js';

export interface TaskPromptInput {
  task: string;
  metadata?: Metadata;
  secrets?: Secret[];
  files?: UploadableFile[];
  responseModel?: Record<string, unknown>;
}

/** The first user message: fixed for the whole task, so it stays in the cached prefix. */
export function taskPrompt(input: TaskPromptInput): string {
  const sections = [`Task: ${input.task}`];
  if (input.metadata && Object.keys(input.metadata).length > 0) {
    sections.push(`Values you may use (metadata):\n${JSON.stringify(input.metadata, null, 1)}`);
  }
  if (input.secrets && input.secrets.length > 0) {
    sections.push(`Secrets (type these placeholders where the value is needed):\n${input.secrets.map((secret) => `- ${secret.name}: ${secretPlaceholder(secret.name)}`).join('\n')}`);
  }
  if (input.files && input.files.length > 0) {
    sections.push(`Files you can upload with upload_file: ${input.files.map((file) => file.name).join(', ')}`);
  }
  if (input.responseModel) {
    sections.push(`The answer given to done must be \`output\` matching this JSON schema:\n${JSON.stringify(input.responseModel)}`);
  }
  return sections.join('\n\n');
}
