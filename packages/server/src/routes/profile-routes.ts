import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { profileIdSchema } from '@open-smooth/protocol';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../http-errors.js';
import { parseWire } from '../parse-wire.js';
import type { ServerContext } from '../server-context.js';

export const profileRequestSchema = z.object({ id: profileIdSchema.nullable().optional() });
const browserSessionRequestSchema = z.object({
  profile_id: profileIdSchema.nullable().optional(),
  live_view: z.boolean().optional(),
  device: z.enum(['desktop', 'mobile']).nullable().optional(),
  url: z.url().nullable().optional(),
  proxy_server: z.string().nullable().optional(),
  proxy_username: z.string().nullable().optional(),
  proxy_password: z.string().nullable().optional(),
});

export function registerProfileRoutes(app: FastifyInstance, context: ServerContext): void {
  const createProfile = async (tenant: string, requestedId: string | null | undefined): Promise<string> => {
    const id = requestedId ?? `profile_${randomBytes(12).toString('hex')}`;
    if (!(await context.resources.createProfile(tenant, id))) throw new ConflictError(`profile already exists: ${id}`);
    return id;
  };

  app.post('/profile', async (request) => {
    const body = parseWire(profileRequestSchema, request.body ?? {}, 'profile request');
    return { r: { id: await createProfile(request.tenant, body.id) } };
  });

  app.get('/profile', async (request) => ({ r: (await context.resources.listProfiles(request.tenant)).map((id) => ({ id })) }));

  app.delete('/profile/:profile_id', async (request) => {
    const { profile_id } = parseWire(z.object({ profile_id: z.string() }), request.params, 'profile id');
    const writer = await context.tasks.profileWriter(request.tenant, profile_id);
    // Deleting under a writer would bring the profile back when that task saves it.
    if (writer !== undefined) throw new ConflictError(`profile ${profile_id} is in use by ${writer}; stop that task (DELETE /task/${writer}) before deleting the profile`);
    if (!(await context.resources.deleteProfile(request.tenant, profile_id))) throw new NotFoundError(`profile not found: ${profile_id}`);
    if (profileIdSchema.safeParse(profile_id).success) await context.profiles.remove(request.tenant, profile_id);
    return { r: true };
  });

  // Deprecated by smooth.sh but still in its contract: opens nothing, hands back a profile.
  app.post('/browser/session', async (request) => {
    const body = parseWire(browserSessionRequestSchema, request.body ?? {}, 'browser session request');
    const tenant = request.tenant;
    const profileId = body.profile_id && (await context.resources.hasProfile(tenant, body.profile_id)) ? body.profile_id : await createProfile(tenant, body.profile_id);
    return { r: { profile_id: profileId, live_id: null, live_url: null } };
  });
}
