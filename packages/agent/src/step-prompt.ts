import type { Page } from 'playwright-core';
import type { BlockedRequest } from '@open-smooth/browser';

export interface StepPromptInput {
  stepIndex: number;
  maxSteps: number;
  observationText: string;
  pages: Page[];
  activePage: Page;
  blockedRequests: BlockedRequest[];
  notes: string[];
}

/** The last user message of a step: volatile page state goes last so the prefix stays cached. */
export function stepPrompt(input: StepPromptInput): string {
  const lines = [`Step ${input.stepIndex} of ${input.maxSteps}.`];
  for (const note of input.notes) lines.push(`Note: ${note}`);
  for (const blocked of input.blockedRequests.slice(0, 10)) {
    lines.push(`Blocked by the task's allowed URLs: ${blocked.isNavigation ? 'navigation to' : `${blocked.resourceType} request to`} ${blocked.url}`);
  }
  if (input.pages.length > 1) {
    lines.push('Tabs:');
    input.pages.forEach((page, index) => lines.push(`  ${index}${page === input.activePage ? ' (active)' : ''}: ${page.url()}`));
  }
  lines.push('', input.observationText);
  return lines.join('\n');
}
