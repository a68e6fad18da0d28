import type { Page } from 'playwright-core';
import type { BlockedRequest, BlockReason } from '@open-smooth/browser';

export interface StepPromptInput {
  stepIndex: number;
  maxSteps: number;
  observationText: string;
  pages: Page[];
  activePage: Page;
  blockedRequests: BlockedRequest[];
  notes: string[];
}

/** Who refused a request, as the model reads it (a new BlockReason must say its own). */
function blockedBy(reason: BlockReason): string {
  switch (reason) {
    case 'allowed_urls':
      return "the task's allowed URLs";
    case 'scheme':
      return 'the URL scheme rule (only http and https)';
    case 'private_network':
      return "the server's private network rule";
    case 'link_local':
      return 'the link-local and cloud metadata rule';
    case 'adblock':
      return 'the ad blocker';
  }
}

function blockedLine(blocked: BlockedRequest): string {
  const what = blocked.isNavigation ? 'navigation to' : `${blocked.resourceType} request to`;
  return `Blocked by ${blockedBy(blocked.reason)}: ${what} ${blocked.url}`;
}

/** The last user message of a step: volatile page state goes last so the prefix stays cached. */
export function stepPrompt(input: StepPromptInput): string {
  const lines = [`Step ${input.stepIndex} of ${input.maxSteps}.`];
  for (const note of input.notes) lines.push(`Note: ${note}`);
  // A page's blocked ads and trackers are one line, not one each: they are noise to the model.
  const blockedAds = input.blockedRequests.filter((blocked) => blocked.reason === 'adblock' && !blocked.isNavigation);
  for (const blocked of input.blockedRequests.filter((blocked) => !blockedAds.includes(blocked)).slice(0, 10)) {
    lines.push(blockedLine(blocked));
  }
  if (blockedAds.length > 0) lines.push(`The ad blocker stopped ${blockedAds.length} ad and tracker request(s) of the page.`);
  if (input.pages.length > 1) {
    lines.push('Tabs:');
    input.pages.forEach((page, index) => lines.push(`  ${index}${page === input.activePage ? ' (active)' : ''}: ${page.url()}`));
  }
  lines.push('', input.observationText);
  return lines.join('\n');
}
