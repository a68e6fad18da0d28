import type { Device } from '@open-smooth/protocol';
import type { BrowserContextOptions } from 'playwright-core';

export const defaultDevice: Device = 'desktop';
export const allDevices: readonly Device[] = ['desktop', 'desktop-lg', 'mobile'];

/** The Chrome major version in user agents; taken from the running browser so UA and engine agree. */
function chromeMajorVersion(browserVersion: string): string {
  return /^(\d+)/.exec(browserVersion)?.[1] ?? '140';
}

/** A regular (not "HeadlessChrome") Linux desktop Chrome user agent. */
export function desktopUserAgent(browserVersion: string): string {
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeMajorVersion(browserVersion)}.0.0.0 Safari/537.36`;
}

/** Chrome on a recent Android phone. */
export function mobileUserAgent(browserVersion: string): string {
  return `Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeMajorVersion(browserVersion)}.0.0.0 Mobile Safari/537.36`;
}

/** Context options that make a fresh context look like the given device. */
export function deviceContextOptions(device: Device, browserVersion: string): BrowserContextOptions {
  switch (device) {
    case 'desktop':
      return {
        viewport: { width: 1280, height: 800 },
        screen: { width: 1280, height: 800 },
        deviceScaleFactor: 1,
        isMobile: false,
        hasTouch: false,
        userAgent: desktopUserAgent(browserVersion),
      };
    case 'desktop-lg':
      return {
        viewport: { width: 1920, height: 1080 },
        screen: { width: 1920, height: 1080 },
        deviceScaleFactor: 1,
        isMobile: false,
        hasTouch: false,
        userAgent: desktopUserAgent(browserVersion),
      };
    case 'mobile':
      return {
        viewport: { width: 390, height: 844 },
        screen: { width: 390, height: 844 },
        // 2 rather than a phone's 3 keeps screenshots and screencast frames small.
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        userAgent: mobileUserAgent(browserVersion),
      };
  }
}
