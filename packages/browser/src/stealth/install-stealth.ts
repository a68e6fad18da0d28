import type { Device } from '@open-smooth/protocol';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

import { gpuIdentityFor } from './gpu-identity.js';
import { gpuIdentityScript } from './gpu-identity-script.js';
import { headlessUserAgent } from './stealth-user-agent.js';
import { runtimeLogger } from '../runtime-logger.js';

/**
 * Context options for a context with stealth on or off. On, they stay as the device defines them
 * (a regular Chrome user agent; Playwright derives the client hints from it, and headless
 * Chromium already reports the plain "Chromium" brand). Off, the user agent says HeadlessChrome.
 */
export function stealthContextOptions(options: BrowserContextOptions, stealth: boolean): BrowserContextOptions {
  if (stealth || options.userAgent === undefined) return options;
  return { ...options, userAgent: headlessUserAgent(options.userAgent) };
}

/**
 * Makes a new context (before its first page) hide automation, or announce it. The browser was
 * launched with navigator.webdriver off (stealthLaunchSwitches). On: WebGL names a real GPU
 * instead of the SwiftShader software renderer (gpu-identity-script.ts). Off: each page gets
 * navigator.webdriver back
 * through CDP (the session stays attached: the override lasts as long as it does). A popup's
 * first document may start before its override lands; stealth off is not a security boundary.
 */
export async function installStealth(context: BrowserContext, options: { stealth: boolean; device: Device }): Promise<void> {
  if (options.stealth) {
    await context.addInitScript({ content: gpuIdentityScript(gpuIdentityFor(options.device)) });
    return;
  }
  const announce = async (page: Page): Promise<void> => {
    const session = await context.newCDPSession(page);
    await session.send('Emulation.setAutomationOverride', { enabled: true });
  };
  context.on('page', (page) => void announce(page).catch((error: unknown) => logAnnounceFailure(page, error)));
  await Promise.all(context.pages().map(announce));
}

function logAnnounceFailure(page: Page, error: unknown): void {
  if (page.isClosed()) return;
  runtimeLogger.warn({ err: error, url: page.url() }, 'stealth off: could not restore navigator.webdriver on a new page');
}
