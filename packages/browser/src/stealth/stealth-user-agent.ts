/**
 * The user agent headless Chromium itself would send: the device's, with the "HeadlessChrome"
 * product name. A task with stealth off announces what it is.
 */
export function headlessUserAgent(userAgent: string): string {
  return userAgent.replace(/\bChrome\//, 'HeadlessChrome/');
}
