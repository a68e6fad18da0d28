/**
 * Draws a pointer where the mouse is, for screenshots and recordings. It runs in an isolated world
 * of its own (no global, no listener the page's scripts can see or remove); what it draws lives in
 * a closed shadow root on one inert element (pointer-events: none, so hit tests and clicks go
 * through it as if it were not there).
 */
function drawCursor(): void {
  let host: HTMLElement | undefined;
  const arrow =
    '<svg xmlns="http://www.w3.org/2000/svg" width="22" height="30" viewBox="0 0 22 30">' +
    '<path d="M1 1 L1 23 L7 17 L11 27 L15 25 L11 16 L19 16 Z" fill="#111" stroke="#fff" stroke-width="2" stroke-linejoin="round"/></svg>';
  const ensureHost = (): HTMLElement => {
    if (host?.isConnected) return host;
    host = document.createElement('div');
    // Important: the page's own stylesheet must not hide or move it.
    host.style.cssText =
      'display:block!important;position:fixed!important;left:0!important;top:0!important;width:0!important;height:0!important;z-index:2147483647!important;pointer-events:none!important;';
    const root = host.attachShadow({ mode: 'closed' });
    root.innerHTML = `<style>div{position:fixed;left:0;top:0;pointer-events:none}</style><div>${arrow}</div>`;
    (document.documentElement ?? document).appendChild(host);
    return host;
  };
  const move = (event: MouseEvent): void => {
    ensureHost().style.transform = `translate(${event.clientX}px, ${event.clientY}px)`;
  };
  addEventListener('mousemove', move, { capture: true, passive: true });
  addEventListener('mousedown', move, { capture: true, passive: true });
}

/** The script's source, safe to run in any document (tsx may add `__name` calls to it). */
export const cursorScript = `(() => { const __name = (target) => target; (${drawCursor.toString()})(); })();`;
