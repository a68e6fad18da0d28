import { z } from 'zod';

const fraction = z.number().min(0).max(1);
const delta = z.number().min(-10_000).max(10_000);

/** What an interactive live view sends: control changes, and a person's mouse, wheel and keys (points as fractions of the picture). */
export const liveInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('take_control') }),
  z.object({ type: z.literal('hand_back') }),
  z.object({ type: z.literal('mouse'), action: z.enum(['move', 'down', 'up']), x: fraction, y: fraction, button: z.enum(['left', 'middle', 'right']).default('left') }),
  z.object({ type: z.literal('wheel'), x: fraction, y: fraction, deltaX: delta, deltaY: delta }),
  z.object({ type: z.literal('key'), action: z.enum(['down', 'up']), key: z.string().min(1).max(32) }),
  z.object({ type: z.literal('text'), text: z.string().min(1).max(1000) }),
]);

export type LiveInput = z.infer<typeof liveInputSchema>;
