import type { GpuIdentity } from './gpu-identity.js';

/**
 * Runs in the page's main world before any page script (the only place WebGL can be answered
 * for), and leaves nothing a page can name: no global, no changed property descriptor, and both
 * replaced functions still print as native code.
 */
function reportGpu(identity: GpuIdentity): void {
  const unmaskedVendor = 0x9245;
  const unmaskedRenderer = 0x9246;
  const nativeToString = Function.prototype.toString;
  /** Each stand-in function and the native one it must print as. */
  const standIns = new WeakMap<object, object>();
  const replace = <Target extends object>(owner: Target, key: keyof Target, handler: ProxyHandler<never>): void => {
    const descriptor = Object.getOwnPropertyDescriptor(owner, key);
    const original = descriptor?.value as object | undefined;
    if (!descriptor || typeof original !== 'function') return;
    const standIn = new Proxy(original, handler as ProxyHandler<object>);
    standIns.set(standIn, original);
    Object.defineProperty(owner, key, { ...descriptor, value: standIn });
  };
  replace(Function.prototype, 'toString', {
    apply: (target: typeof nativeToString, self: unknown, args: []) => Reflect.apply(target, standIns.get(self as object) ?? self, args),
  });
  for (const prototype of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    replace(prototype, 'getParameter', {
      apply: (target: (parameter: number) => unknown, self: unknown, args: [number]) => {
        if (args[0] === unmaskedVendor) return identity.vendor;
        if (args[0] === unmaskedRenderer) return identity.renderer;
        return Reflect.apply(target, self, args);
      },
    });
  }
}

/** The init script that makes WebGL report `identity` in every document of a context. */
export function gpuIdentityScript(identity: GpuIdentity): string {
  // tsx/esbuild may add `__name(...)` calls to the function's source: a no-op stands in for it.
  return `(() => { const __name = (target) => target; (${reportGpu.toString()})(${JSON.stringify(identity)}); })();`;
}
