export { BrowserPool, BrowserPoolClosedError, type BrowserPoolOptions } from './browser-pool.js';
export {
  chromiumLaunchArgs,
  chromiumLaunchOptions,
  disabledChromiumFeatures,
  mergeDisableFeatures,
  type ChromiumLaunchSettings,
} from './chromium-launch-options.js';
export {
  browserRecipeKey,
  browserRecipeOf,
  contextOptionsFor,
  contextRecipeFrom,
  defaultRecipe,
  isDefaultRecipe,
  isReusableRecipe,
  recipeKey,
  type BrowserRecipe,
  type ClientCertificate,
  type ContextRecipe,
  type ContextRecipeInput,
  type ProxySettings,
  type StorageState,
} from './context-recipe.js';
export { ExtensionsNotSupportedError, SharedBrowserHost, type BrowserHost, type BrowserHostLauncher } from './browser-host.js';
export { NavigationFailedError } from './navigation-failure.js';
export { TaskContext, type ContextRelease, type TaskContextOptions } from './task-context.js';
export { ScreencastFrameSource, type FrameSource, type FrameSubscription, type ScreencastFrame } from './frame-source.js';
export { NoActiveTabError, PlaywrightPageInput, type MouseButtonName, type PageInput, type RelativePoint } from './page-input.js';
export { TabSet } from './tab-set.js';
export type { BlockedRequest } from './blocked-request.js';
export {
  NetworkPolicy,
  TaskNetworkPolicy,
  schemeVerdict,
  type BlockReason,
  type HostResolver,
  type NetworkBlock,
  type NetworkVerdict,
  type RequestFilter,
  type RequestToCheck,
} from './network-policy.js';
export { addressKind, embeddedIpv4, InvalidNetworkAllowanceError, PrivateNetworkAllowance, type AddressKind } from './network-policy-ranges.js';
export { type DownloadedFile, safeFileName } from './downloads.js';
export { chromiumExecutablePath } from './chromium-executable-path.js';
export { allDevices, defaultDevice, deviceContextOptions, desktopUserAgent, mobileUserAgent } from './devices.js';
export { isAlwaysAllowedUrl, isUrlAllowedByPatterns, matchesUrlPattern } from './url-policy.js';
export { SecretVault } from './secret-vault.js';
export { withTimeout, type TimeoutOptions } from './with-timeout.js';
export { passwordLikeFieldScreenshotStyle, shieldSecretField } from './secret-field-shield.js';
export { defaultSettleTimeoutMs, waitForPageSettle, type SettledPage, type SettleOptions } from './page-settle.js';
export { NetworkActivity } from './network-activity.js';
export { AdblockEngine, adblockRequestFilter, type AdblockMatch, type AdblockRequest } from './adblock/index.js';
export { gpuIdentityFor, installStealth, stealthContextOptions, stealthLaunchSwitches, type GpuIdentity } from './stealth/index.js';
export {
  abortError,
  AdblockUnavailableError,
  BrowserCrashedError,
  raceAbort,
  ChromiumNotFoundError,
  ProxyNotAllowedError,
  SecretNotAllowedError,
  TabNotFoundError,
  UrlNotAllowedError,
} from './errors.js';
export {
  defaultPageScriptMaxResultBytes,
  defaultPageScriptTimeoutMs,
  PageScriptResultTooLargeError,
  PageScriptTimeoutError,
  runPageScript,
  type PageScript,
  type PageScriptOptions,
} from './run-page-script.js';
export { IsolatedWorld, WorldCallError, WorldUnavailableError, type WorldFrame } from './isolated-world.js';
export { typeKeys, typeText, type TypeTextTarget } from './type-keys.js';
export { runtimeLogger } from './runtime-logger.js';
