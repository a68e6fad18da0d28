import { secretPlaceholder, type Secret } from '@open-smooth/protocol';

import { SecretNotAllowedError } from './errors.js';
import { isUrlAllowedByPatterns } from './url-policy.js';

const placeholderPattern = /<secret:([A-Za-z0-9_.-]{1,64})>/g;

/**
 * Holds a task's secrets. The model only ever handles placeholders; real values are put in at the
 * last moment (reveal) for URLs the secret may go to, and taken out of anything logged (mask).
 */
export class SecretVault {
  readonly #secrets = new Map<string, Secret>();

  /** `isTaskUrlAllowed` is the task's own policy: a secret without allowedUrls may go wherever the task may. */
  constructor(private readonly isTaskUrlAllowed: (url: string) => boolean) {}

  add(secrets: readonly Secret[]): void {
    for (const secret of secrets) this.#secrets.set(secret.name, { ...secret });
  }

  get names(): string[] {
    return [...this.#secrets.keys()];
  }

  /** Replaces every `<secret:NAME>` with its value; throws SecretNotAllowedError when NAME is unknown or not allowed on pageUrl. */
  reveal(text: string, pageUrl: string): string {
    return text.replace(placeholderPattern, (_placeholder, name: string) => {
      const secret = this.#secrets.get(name);
      if (!secret) throw new SecretNotAllowedError(name, 'no secret has this name');
      if (!this.isTaskUrlAllowed(pageUrl)) {
        throw new SecretNotAllowedError(name, `the page ${pageUrl} is outside the task's allowed_urls`);
      }
      if (secret.allowedUrls && secret.allowedUrls.length > 0 && !isUrlAllowedByPatterns(pageUrl, secret.allowedUrls)) {
        throw new SecretNotAllowedError(name, `it may only be used on ${secret.allowedUrls.join(', ')}, not on ${pageUrl}`);
      }
      return secret.value;
    });
  }

  /**
   * Replaces every occurrence of a real value by its placeholder, in each form a value takes on
   * its way through a page: raw, encodeURIComponent (upper- and lower-case hex), encodeURI, and
   * form encoding (application/x-www-form-urlencoded: space as +, ! as %21…).
   */
  mask(text: string): string {
    const replacements: Array<{ value: string; placeholder: string }> = [];
    for (const secret of this.#secrets.values()) {
      if (secret.value === '') continue;
      const placeholder = secretPlaceholder(secret.name);
      for (const form of encodedForms(secret.value)) replacements.push({ value: form, placeholder });
    }
    // Longest first so a secret that contains another is masked whole.
    replacements.sort((left, right) => right.value.length - left.value.length);
    let masked = text;
    for (const { value, placeholder } of replacements) masked = masked.split(value).join(placeholder);
    return masked;
  }
}

/** The distinct forms of `value` that may appear in URLs, request bodies and page text. */
export function encodedForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const forms = new Set([
    value,
    component,
    component.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    encodeURI(value),
    new URLSearchParams([['', value]]).toString().slice(1),
  ]);
  return [...forms];
}
