/**
 * Chromium switches every browser of the pool starts with. Without the AutomationControlled
 * Blink feature, `navigator.webdriver` is false natively: nothing in the page to spot. A task
 * with stealth off gets it back per page (see installStealth), so the switch holds for all.
 */
export const stealthLaunchSwitches: readonly string[] = ['--disable-blink-features=AutomationControlled'];
