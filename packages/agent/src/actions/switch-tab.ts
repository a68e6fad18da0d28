import { z } from 'zod';
import { defineAction } from './action.js';

export const switchTabAction = defineAction({
  name: 'switch_tab',
  description: 'Make the tab with this number (from the Tabs list) the active one.',
  inputSchema: z.object({ tab: z.number().int().min(0) }),
  navigates: true,
  async handler({ tab }, context) {
    const page = context.taskContext.switchTab(tab);
    await page.bringToFront();
    await context.taskContext.waitForSettle({ signal: context.signal });
    return `Switched to tab ${tab}: ${page.url()}`;
  },
});
