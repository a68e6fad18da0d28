import type { Device } from '@open-smooth/protocol';

/** What WebGL's WEBGL_debug_renderer_info reports: the GPU a page believes it renders on. */
export interface GpuIdentity {
  vendor: string;
  renderer: string;
}

/**
 * Headless Chromium draws WebGL with SwiftShader, a software GPU no person's browser names, so
 * that name alone gives automation away. These are common GPUs as Chrome names them on the
 * platform each device's user agent claims: a Linux laptop's Intel GPU through ANGLE, and the
 * Pixel 8's Mali GPU as Android's GL driver names it.
 */
export function gpuIdentityFor(device: Device): GpuIdentity {
  if (device === 'mobile') return { vendor: 'ARM', renderer: 'Mali-G715' };
  return { vendor: 'Google Inc. (Intel)', renderer: 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)' };
}
