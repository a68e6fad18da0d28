/**
 * Keeps a typed secret out of every picture of the page. Screenshots, the screencast (live view,
 * recording) and printed PDFs all come from Chromium's own rendering, so the one place to hide a
 * secret is the rendering itself: the field it is typed into draws discs instead of its text
 * (`-webkit-text-security: disc`, what a password field does), from before the first key until it
 * holds something else.
 *
 * Runs in our isolated world, on the field (serialized, self-contained). The shielded fields are
 * kept in that world (a page cannot see or clear the list); the page sees only the inline style.
 * A page script that rewrites the field's style gets the disc back before the next paint (a
 * mutation observer of our world), up to a bound, so a page fighting it cannot hang itself.
 * `shielded: false` gives the field its own style back; nothing happens for a field never shielded.
 */
export function shieldSecretField(element: Element, shielded: boolean): void {
  const property = '-webkit-text-security';
  const maximumReapplications = 1_000;
  interface Shield {
    observer: MutationObserver;
    value: string;
    priority: string;
  }
  const world = globalThis as unknown as { openSmoothSecretFields?: WeakMap<Element, Shield> };
  const fields = (world.openSmoothSecretFields ??= new WeakMap<Element, Shield>());
  const style = (element as HTMLElement).style as CSSStyleDeclaration | undefined;
  if (!style) return;
  const existing = fields.get(element);
  if (!shielded) {
    if (!existing) return;
    existing.observer.disconnect();
    fields.delete(element);
    if (existing.value) style.setProperty(property, existing.value, existing.priority);
    else style.removeProperty(property);
    return;
  }
  if (existing) return;
  const value = style.getPropertyValue(property);
  const priority = style.getPropertyPriority(property);
  let reapplications = 0;
  const apply = () => {
    if (style.getPropertyValue(property) === 'disc' && style.getPropertyPriority(property) === 'important') return;
    if (reapplications >= maximumReapplications) return;
    reapplications += 1;
    style.setProperty(property, 'disc', 'important');
  };
  apply();
  const observer = new MutationObserver(apply);
  observer.observe(element, { attributes: true, attributeFilter: ['style'] });
  fields.set(element, { observer, value, priority });
}

/**
 * Fields that hold a password whatever type they have now (a "show password" button turns
 * type=password into text; the autocomplete hint and the name stay): screenshots draw their text
 * as discs. Given to Playwright as the screenshot's `style`, which it applies in every frame and
 * shadow root for that screenshot only (with its caret-hiding style, so it costs nothing more).
 */
export const passwordLikeFieldScreenshotStyle = [
  'input[autocomplete~="current-password" i]',
  'input[autocomplete~="new-password" i]',
  'input[autocomplete~="one-time-code" i]',
  'input[name*="password" i]',
  'input[id*="password" i]',
].join(',\n') + ' { -webkit-text-security: disc !important; }';
