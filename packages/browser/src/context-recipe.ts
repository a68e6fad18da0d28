import { createHash } from 'node:crypto';
import type { Device } from '@open-smooth/protocol';
import type { BrowserContextOptions } from 'playwright-core';

import { defaultDevice, deviceContextOptions } from './devices.js';
import { stealthContextOptions } from './stealth/install-stealth.js';

/** An upstream proxy the context's traffic goes through (Playwright's `proxy` option). */
export interface ProxySettings {
  /** `http://host:port`, `https://host:port` or `socks5://host:port`. */
  server: string;
  username?: string;
  password?: string;
  /**
   * The proxy is the caller's own machine (proxy_server "self"): destinations are resolved and
   * reached there, on the caller's network, never from the server's.
   */
  viaCaller?: boolean;
}

/** A client certificate (PKCS#12) the browser presents to one origin that asks for one. */
export interface ClientCertificate {
  /** `https://host[:port]`: Playwright matches origins exactly. */
  origin: string;
  pfx: Buffer;
  passphrase?: string;
}

/** Playwright's storage state: cookies, and per origin localStorage and (when captured) IndexedDB. */
export type StorageState = Exclude<BrowserContextOptions['storageState'], string | undefined>;

/**
 * Everything a task's browser context is made of that Playwright fixes when the context is
 * created (or, for extensions, when the browser launches). Two tasks may share a context (warm or
 * reused) only when their recipes are equal; see recipeKey.
 */
export interface ContextRecipe {
  device: Device;
  proxy?: ProxySettings;
  clientCertificates: readonly ClientCertificate[];
  /** A profile's saved state, loaded into the new context. */
  storageState?: StorageState;
  stealth: boolean;
  adblock: boolean;
  /** Directories of unpacked extensions; each distinct set runs in a browser of its own. */
  extensionDirectories: readonly string[];
}

/** What a browser is launched with: the pool keeps one browser per distinct browser recipe. */
export interface BrowserRecipe {
  extensionDirectories: readonly string[];
}

/** The parts of a recipe a caller may set; everything left out takes the default recipe's value. */
export type ContextRecipeInput = Partial<ContextRecipe>;

/** What most tasks use: the device's defaults, stealth and adblock on, nothing else. */
export function defaultRecipe(device: Device = defaultDevice): ContextRecipe {
  return { device, clientCertificates: [], stealth: true, adblock: true, extensionDirectories: [] };
}

export function contextRecipeFrom(input: ContextRecipeInput): ContextRecipe {
  const recipe: ContextRecipe = {
    ...defaultRecipe(input.device),
    ...(input.clientCertificates !== undefined ? { clientCertificates: input.clientCertificates } : {}),
    ...(input.stealth !== undefined ? { stealth: input.stealth } : {}),
    ...(input.adblock !== undefined ? { adblock: input.adblock } : {}),
    // Sorted: the same set in another order is the same browser.
    ...(input.extensionDirectories !== undefined ? { extensionDirectories: [...input.extensionDirectories].sort() } : {}),
  };
  if (input.proxy !== undefined) recipe.proxy = input.proxy;
  if (input.storageState !== undefined) recipe.storageState = input.storageState;
  return recipe;
}

/** True for the recipe the warm pools serve (only the device differs from the defaults). */
export function isDefaultRecipe(recipe: ContextRecipe): boolean {
  return recipeKey(recipe) === recipe.device;
}

/**
 * A context given back by its task may serve a later task of the same scope and recipe, wiped.
 * Not when it carries a profile (its state was loaded at creation and the wipe removes it) or
 * extensions (their browser holds one context per task).
 */
export function isReusableRecipe(recipe: ContextRecipe): boolean {
  return recipe.storageState === undefined && recipe.extensionDirectories.length === 0;
}

/**
 * Whether a context of this recipe gets a port of the pool's proxy of its own (a ProxyLane), where
 * adblock decides by host at no cost to the requests it lets through. Not behind a proxy of the
 * task's own (its connections never reach the pool's proxy) nor in an extension browser (a
 * persistent context takes its proxy from the launch).
 */
export function usesProxyLane(recipe: ContextRecipe): boolean {
  return recipe.adblock && recipe.proxy === undefined && recipe.extensionDirectories.length === 0;
}

export function browserRecipeOf(recipe: ContextRecipe): BrowserRecipe {
  return { extensionDirectories: recipe.extensionDirectories };
}

export function browserRecipeKey(recipe: BrowserRecipe): string {
  return recipe.extensionDirectories.length === 0 ? 'default' : digest(recipe.extensionDirectories);
}

/**
 * Equal for equal recipes. The device alone for the default recipe; otherwise the device and a
 * digest of the rest, so that a proxy password or a certificate never appears in a key.
 */
export function recipeKey(recipe: ContextRecipe): string {
  const rest = {
    proxy: recipe.proxy ?? null,
    clientCertificates: recipe.clientCertificates.map((certificate) => ({
      origin: certificate.origin,
      pfx: certificate.pfx.toString('base64'),
      passphrase: certificate.passphrase ?? null,
    })),
    storageState: recipe.storageState ?? null,
    stealth: recipe.stealth,
    adblock: recipe.adblock,
    extensionDirectories: recipe.extensionDirectories,
  };
  const isDefault = rest.proxy === null && rest.clientCertificates.length === 0 && rest.storageState === null && rest.stealth && rest.adblock && rest.extensionDirectories.length === 0;
  return isDefault ? recipe.device : `${recipe.device}\n${digest(rest)}`;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/**
 * Playwright options for a new context made to the recipe (extensions are the browser's business).
 * `policyProxyUrl` is the network policy's proxy the browser is launched with: a context with a
 * proxy of its own reaches sites from that proxy's network instead (the pool checks the proxy's
 * own address), and a context with client certificates names the policy proxy explicitly, because
 * Playwright's certificate proxy connects on its own and otherwise would not go through it.
 * `laneProxyUrl` is the context's own port of that proxy (see ProxyLane), used instead when given.
 */
export function contextOptionsFor(recipe: ContextRecipe, browserVersion: string, policyProxyUrl?: string, laneProxyUrl?: string): BrowserContextOptions {
  const options: BrowserContextOptions = {
    ...stealthContextOptions(deviceContextOptions(recipe.device, browserVersion), recipe.stealth),
    acceptDownloads: true,
    // Service workers fetch outside any page, where interception cannot follow them.
    serviceWorkers: 'block',
  };
  if (recipe.proxy) {
    const { server, username, password } = recipe.proxy;
    options.proxy = { server, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
  } else if (laneProxyUrl !== undefined) {
    options.proxy = { server: laneProxyUrl };
  } else if (recipe.clientCertificates.length > 0 && policyProxyUrl !== undefined) {
    options.proxy = { server: policyProxyUrl };
  }
  if (recipe.clientCertificates.length > 0) {
    options.clientCertificates = recipe.clientCertificates.map((certificate) => ({
      origin: certificate.origin,
      pfx: certificate.pfx,
      ...(certificate.passphrase !== undefined ? { passphrase: certificate.passphrase } : {}),
    }));
  }
  if (recipe.storageState) options.storageState = recipe.storageState;
  return options;
}
