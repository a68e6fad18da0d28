import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LaunchOptions } from 'playwright-core';

import { chromiumExecutablePath } from './chromium-executable-path.js';
import { stealthLaunchSwitches } from './stealth/stealth-launch-switches.js';

/** Chromium switches for a lean headless browser that makes no traffic of its own. */
const leanSwitches: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Cross-origin iframes stay in their page's renderer: fewer processes, and the page's network
  // guard sees their requests (see network-guard.ts).
  '--disable-site-isolation-trials',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-breakpad',
  '--mute-audio',
  '--no-default-browser-check',
  '--metrics-recording-only',
];

/**
 * WebRTC sends UDP straight from the browser, around the pool's SOCKS5 proxy: a page could reach
 * private hosts (a STUN request to 10.0.0.5) and learn the server's addresses (srflx candidates).
 * With this policy WebRTC uses no UDP that does not go through the proxy, and Chromium's proxy
 * carries none, so a page gathers no candidate at all; TURN over TCP still works, through the proxy
 * and its network policy. (`--force-webrtc-ip-handling-policy` was tried: Chromium 156 ignores it.)
 */
const webRtcSwitches: readonly string[] = ['--webrtc-ip-handling-policy=disable_non_proxied_udp'];

/**
 * Headless Chromium 156 is the full browser without a screen: every page gets a window whose
 * omnibox pre-loads two WebUI popups (chrome://omnibox-popup.top-chrome/, and its AI-mode variant),
 * each a target with its own renderer work. Nobody can open them headless; without them a new page
 * costs ~100 ms instead of ~330 ms and a session holds one renderer instead of two
 * (bench/profiles/renderer-breakdown.ts).
 */
export const disabledChromiumFeatures: readonly string[] = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

const disableFeaturesPrefix = '--disable-features=';

/**
 * Playwright passes its own `--disable-features=` list, and Chromium honours only the last such
 * switch, so ours must repeat Playwright's. Read from the installed playwright-core (not a copy) so
 * an upgrade cannot silently drop either list; empty if its layout ever changes.
 */
function playwrightDisableFeaturesSwitch(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('playwright-core/package.json'));
    const module = require(join(root, 'lib/server/chromium/chromiumSwitches.js')) as {
      chromiumSwitches?: (assistantMode?: boolean) => string[];
    };
    return module.chromiumSwitches?.(false).find((value) => value.startsWith(disableFeaturesPrefix));
  } catch {
    return undefined;
  }
}

const playwrightSwitch = playwrightDisableFeaturesSwitch();

/** Joins every `--disable-features=` among the switches into one (kept last), since only one counts. */
export function mergeDisableFeatures(switches: readonly string[]): string[] {
  const features: string[] = [];
  const others: string[] = [];
  for (const value of switches) {
    if (!value.startsWith(disableFeaturesPrefix)) {
      others.push(value);
      continue;
    }
    for (const feature of value.slice(disableFeaturesPrefix.length).split(',')) {
      if (feature && !features.includes(feature)) features.push(feature);
    }
  }
  return features.length > 0 ? [...others, `${disableFeaturesPrefix}${features.join(',')}`] : others;
}

/** The switches the product launches Chromium with (for a launcher other than Playwright too). */
export const chromiumLaunchArgs: readonly string[] = mergeDisableFeatures([
  ...(playwrightSwitch ? [playwrightSwitch] : []),
  ...leanSwitches,
  ...webRtcSwitches,
  ...stealthLaunchSwitches,
  `${disableFeaturesPrefix}${disabledChromiumFeatures.join(',')}`,
]);

export interface ChromiumLaunchSettings {
  executablePath?: string;
  /** Default true. */
  headless?: boolean;
  /** Added after the product's switches; a `--disable-features=` here adds to the product's list. */
  extraArgs?: readonly string[];
  /** Every connection of the browser goes through this proxy (the pool's network policy proxy). */
  proxyServer?: string;
}

/** Playwright launch options with one merged feature list (Playwright's own switch is replaced). */
export function chromiumLaunchOptions(settings: ChromiumLaunchSettings = {}): LaunchOptions {
  return {
    executablePath: settings.executablePath ?? chromiumExecutablePath(),
    headless: settings.headless ?? true,
    args: mergeDisableFeatures([...chromiumLaunchArgs, ...(settings.extraArgs ?? [])]),
    ...(playwrightSwitch ? { ignoreDefaultArgs: [playwrightSwitch] } : {}),
    // The process that owns the pool handles signals and closes the pool itself. Playwright's own SIGINT
    // handler would close every browser under the server (the supervisor would then relaunch them) and exit 130.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // Playwright adds `<-loopback>` to the bypass list, so loopback goes through the proxy as well.
    ...(settings.proxyServer ? { proxy: { server: settings.proxyServer } } : {}),
  };
}
