/**
 * What each POST /task option does on this server, for /api/docs. One place, so the document
 * says what the code does (an option the server cannot honour is refused with a 422, never
 * accepted and ignored). Owners of an option keep its line true when they change it.
 */
export const taskOptionDescriptions: Record<string, string> = {
  task: 'What the agent should do, in plain language; null opens a session that takes commands through POST /task/{id}/event.',
  url: 'The page the browser opens first (before the agent starts, or when a session opens). With certificates, its origin is where they are presented.',
  profile_id:
    'A profile created with POST /profile. Its cookies, localStorage and IndexedDB are loaded into the task\'s browser and saved back when the task or session ends, whatever ends it (close, forced close, failure, cancellation). Unknown ids are a 404. One task at a time may write a profile: a second writer gets a 409 (it is not queued); read-only users never wait.',
  profile_read_only: 'With profile_id: load the profile but never save it back; takes no writer\'s lock.',
  proxy_server:
    'The task\'s traffic goes through this proxy: host, host:port (an HTTP proxy) or a URL with scheme http, https or socks5. The server\'s network policy judges the proxy\'s own address; sites are then reached from the proxy\'s network. "self": through the caller\'s machine, over a tunnel that Open Smooth\'s SDK opens when it creates the task (GET /task/{id}/tunnel with Upgrade: open-smooth-tunnel); the task fails if no caller connects within 30 s. smooth.sh\'s own SDKs use an FRP client for "self", which this server does not speak.',
  proxy_username: 'User name for proxy_server (HTTP and HTTPS proxies; Chromium cannot authenticate to SOCKS5). A refused login fails the task saying so.',
  proxy_password: 'Password for proxy_server. Never stored, logged or shown in events.',
  certificates:
    'Client certificates: [{file: base64 of a PKCS#12 (.p12) file, password, origin?}]. Each is opened at creation (422 when it cannot be) and presented to `origin` (https://host[:port]; an Open Smooth addition) or, without it, to the origin of the task\'s url. The site\'s own certificate must be trusted by the server process (NODE_EXTRA_CA_CERTS for a private CA). Never stored.',
  use_captcha_solver: 'No captcha solver runs on this server: true is refused with a 422.',
  experimental_features: 'This server has no experimental features: a non-empty object is refused with a 422 naming its keys.',
  session_id: 'Not supported here (commands go to POST /task/{id}/event of the session\'s own task): a value is refused with a 422.',
};

/** The TaskRequest JSON schema with each option's description on this server. */
export function describeTaskOptions(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!properties) return schema;
  const described = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, taskOptionDescriptions[name] ? { ...property, description: taskOptionDescriptions[name] } : property]),
  );
  return { ...schema, properties: described };
}
