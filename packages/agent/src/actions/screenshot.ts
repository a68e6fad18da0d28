import { IsolatedWorld, raceAbort } from '@open-smooth/browser';
import { z } from 'zod';
import { defineAction, type ActionContext, type ActionDefinition } from './action.js';
import { elementAt } from './element-target.js';

export interface ScreenshotSettings {
  /** Show the picture to the model (a vision model), with element numbers drawn on it. */
  showModel: boolean;
  /** Keep a clean screenshot with the task's files (`additional_tools.screenshot`). */
  save?: { fullPage: boolean };
}

/** Boxes of the page view's elements in the viewport, for numbering the picture the model sees. */
async function elementBoxes(context: ActionContext): Promise<Array<{ index: number; x: number; y: number; width: number; height: number }>> {
  const visible = context.observation.elements.filter((element) => element.inViewport).slice(0, 150);
  const boxes = await Promise.all(
    visible.map(async (element) => {
      try {
        const box = await (await elementAt(context, element.index)).boundingBox();
        return box ? [{ index: element.index, ...box }] : [];
      } catch {
        // An element that went away since the observation simply gets no number.
        return [];
      }
    }),
  );
  return boxes.flat();
}

/**
 * Draws numbered outlines over the viewport in a closed shadow root. Runs in our isolated world
 * (self-contained): the page sees a host element for the moment of the screenshot, nothing else.
 */
function addNumberOverlay(boxes: Array<{ index: number; x: number; y: number; width: number; height: number }>): void {
  const host = document.createElement('open-smooth-numbers');
  host.setAttribute('style', 'position:fixed;inset:0;z-index:2147483647;pointer-events:none;display:block');
  const root = host.attachShadow({ mode: 'closed' });
  const colours = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080', '#9a6324', '#800000'];
  for (const box of boxes) {
    const colour = colours[box.index % colours.length];
    const outline = document.createElement('div');
    outline.setAttribute('style', `position:fixed;left:${box.x}px;top:${box.y}px;width:${box.width}px;height:${box.height}px;outline:2px solid ${colour};box-sizing:border-box`);
    const label = document.createElement('div');
    label.textContent = String(box.index);
    label.setAttribute('style', `position:fixed;left:${box.x}px;top:${Math.max(0, box.y - 14)}px;background:${colour};color:#fff;font:bold 11px/14px sans-serif;padding:0 3px`);
    root.append(outline, label);
  }
  document.documentElement.append(host);
  // This world's global, invisible to the page.
  (globalThis as unknown as { openSmoothNumbers?: Element }).openSmoothNumbers = host;
}

function removeNumberOverlay(): void {
  const holder = globalThis as unknown as { openSmoothNumbers?: Element };
  holder.openSmoothNumbers?.remove();
  delete holder.openSmoothNumbers;
}

export function screenshotAction(settings: ScreenshotSettings): ActionDefinition<{ full_page?: boolean | undefined }> {
  const what = [
    settings.showModel ? 'Look at the page: returns a picture of the viewport with the element numbers drawn on it, for what the text view cannot tell (colours, images, charts, layout).' : '',
    settings.save ? 'Saves a screenshot with the task\'s files.' : '',
  ].filter(Boolean);
  return defineAction({
    name: 'screenshot',
    description: `${what.join(' ')} Use it only when needed: a picture costs many tokens.`.trim(),
    inputSchema: z.object({ full_page: z.boolean().optional() }),
    keepsElementList: () => true,
    async handler({ full_page: fullPage }, context) {
      const page = context.taskContext.page;
      const parts: string[] = [];
      if (settings.save) {
        const bytes = await raceAbort(context.taskContext.screenshot({ type: 'png', fullPage: fullPage ?? settings.save.fullPage, timeout: 10_000 }), context.signal);
        const file = await context.taskContext.saveFile(`screenshot-${Date.now()}.png`, bytes);
        parts.push(`Saved the screenshot as ${JSON.stringify(file.path.split('/').pop())}; it is returned with the task's files.`);
      }
      if (!settings.showModel) return parts.join(' ') || 'This model is not shown images.';
      const boxes = await elementBoxes(context);
      const world = await IsolatedWorld.for(page);
      const frameId = await world.mainFrameId();
      const inWorld = (pageFunction: (...argumentList: never[]) => unknown) => `(argument) => { const __name = (target) => target; return (${pageFunction.toString()})(argument); }`;
      await world.call(frameId, inWorld(addNumberOverlay), boxes);
      let image: Uint8Array;
      try {
        // PNG: lossless colours (what vision is often asked about); the token cost depends on the size only.
        image = await raceAbort(context.taskContext.screenshot({ type: 'png', scale: 'css', timeout: 10_000 }), context.signal);
      } finally {
        await world.call(frameId, inWorld(removeNumberOverlay), null).catch((error: unknown) => {
          // The page navigated away: the overlay went with it.
          if (!/context was destroyed|navigat|closed|unavailable|Cannot find context/i.test(String(error))) throw error;
        });
      }
      parts.push('The screenshot of the viewport (element numbers drawn on it) is attached to the next page view.');
      return { text: parts.join(' '), image: { data: image, mediaType: 'image/png' } };
    },
  });
}
