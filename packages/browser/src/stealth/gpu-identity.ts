import type { Device } from '@open-smooth/protocol';

/** What WebGL's WEBGL_debug_renderer_info reports: the GPU a page believes it renders on. */
export interface GpuIdentity {
  vendor: string;
  renderer: string;
}

/**
 * Headless Chromium renders WebGL on SwiftShader, a software GPU that no person's browser reports,
 * so its renderer string alone marks the browser as automated. These are common real GPUs (as
 * Chrome's ANGLE names them) that fit each device's user agent: a Linux laptop, a Pixel 8.
 */
export function gpuIdentityFor(device: Device): GpuIdentity {
  if (device === 'mobile') return { vendor: 'Google Inc. (ARM)', renderer: 'ANGLE (ARM, Mali-G715, OpenGL ES 3.2)' };
  return { vendor: 'Google Inc. (Intel)', renderer: 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)' };
}
