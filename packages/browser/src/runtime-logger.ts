import { destination, pino, stdTimeFunctions } from 'pino';

/** Field names whose values are never written, at the top level or one level down. */
const secretFields = ['apiKey', 'apikey', 'authorization', 'password', 'proxyPassword', 'secretKey', 'token'];

/**
 * The process's structured logger: JSON lines on stderr (stdout is the CLI's and a spawned
 * server's answer channel), level from SMOOTH_LOG_LEVEL (default info). The browser and agent
 * packages log through it; the server gives Fastify a child of it, with per-task children below.
 * Writes are synchronous: these are warnings and failures, rare, and a crash must not lose the
 * line that explains it.
 */
export const runtimeLogger = pino(
  {
    name: 'open-smooth',
    level: process.env.SMOOTH_LOG_LEVEL ?? 'info',
    // Readable by a person grepping a container's log as well as by a log shipper.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: [...secretFields, ...secretFields.map((field) => `*.${field}`)], censor: '[redacted]' },
  },
  destination({ dest: 2, sync: true }),
);
