import { z } from 'zod';

/**
 * A secret is typed into pages by the browser layer; the model only ever sees its placeholder.
 * A bare string may be typed on any URL the task may visit; the object form limits it to
 * `allowed_urls` (same wildcard syntax as the task's `allowed_urls`).
 */
export const secretSchema = z.union([
  z.string().max(4096),
  z.object({
    value: z.string().max(4096),
    allowed_urls: z.array(z.string().min(1)).max(64).optional(),
  }),
]);
export const secretsSchema = z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), secretSchema);
export type SecretsInput = z.infer<typeof secretsSchema>;

/** camelCase form used inside the product once the wire value has been parsed. */
export interface Secret {
  name: string;
  value: string;
  /** Undefined means every URL the task is allowed to reach. */
  allowedUrls?: string[];
}

export function normalizeSecrets(input: SecretsInput | null | undefined): Secret[] {
  if (!input) return [];
  return Object.entries(input).map(([name, secret]) =>
    typeof secret === 'string'
      ? { name, value: secret }
      : { name, value: secret.value, ...(secret.allowed_urls ? { allowedUrls: secret.allowed_urls } : {}) },
  );
}

/** The text the model sees and types in place of a secret's value. */
export function secretPlaceholder(name: string): string {
  return `<secret:${name}>`;
}
