import { z } from 'zod';

/** Browser profile a task runs in: viewport, touch and user agent follow from it. */
export const deviceSchema = z.enum(['desktop', 'desktop-lg', 'mobile']);
export type Device = z.infer<typeof deviceSchema>;
