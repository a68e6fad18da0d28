export { gpuIdentityFor, type GpuIdentity } from './gpu-identity.js';
export { installStealth, stealthContextOptions } from './install-stealth.js';
export { stealthLaunchSwitches } from './stealth-launch-switches.js';
