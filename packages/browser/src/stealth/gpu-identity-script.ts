import type { GpuIdentity } from './gpu-identity.js';

/**
 * The page-side half, run in the main world before any page script (WebGL answers only there).
 * It changes the answer to two getParameter questions and nothing else: every other call, a call
 * on the wrong object (which throws as the browser's own would) and a question WebGL refuses
 * (the extension not enabled: null) go to the browser's function unchanged. The replaced
 * functions print as the browser's own (Function.prototype.toString answers for them with the
 * originals), no global or property descriptor changes, and nothing here loops or waits: a
 * failure leaves WebGL as it was.
 */
function reportGpu(identity: GpuIdentity): void {
  try {
    const unmaskedVendor = 0x9245;
    const unmaskedRenderer = 0x9246;
    /** Each stand-in and the browser's function it stands in for. */
    const originals = new WeakMap<object, object>();
    const standIn = <Target extends object>(owner: Target, key: keyof Target, apply: ProxyHandler<(...args: unknown[]) => unknown>['apply']): void => {
      const descriptor = Object.getOwnPropertyDescriptor(owner, key);
      const original: unknown = descriptor?.value;
      if (!descriptor || typeof original !== 'function') return;
      const replacement = new Proxy(original as (...args: unknown[]) => unknown, { apply });
      originals.set(replacement, original);
      Object.defineProperty(owner, key, { ...descriptor, value: replacement });
    };
    standIn(Function.prototype, 'toString', (target, self, args) => Reflect.apply(target, (typeof self === 'function' && originals.get(self)) || self, args));
    for (const owner of [globalThis.WebGLRenderingContext?.prototype, globalThis.WebGL2RenderingContext?.prototype]) {
      if (!owner) continue;
      standIn(owner, 'getParameter', (target, self, args) => {
        const answer = Reflect.apply(target, self, args);
        if (typeof answer !== 'string') return answer;
        if (args[0] === unmaskedVendor) return identity.vendor;
        if (args[0] === unmaskedRenderer) return identity.renderer;
        return answer;
      });
    }
  } catch {
    // Nothing to report to from inside a page; WebGL stays the browser's own.
  }
}

/** The init script that makes WebGL name `identity` as its GPU in every document of a context. */
export function gpuIdentityScript(identity: GpuIdentity): string {
  // tsx/esbuild may add `__name(...)` calls to the function's source: a no-op stands in for it.
  return `(() => { const __name = (target) => target; (${reportGpu.toString()})(${JSON.stringify(identity)}); })();`;
}
