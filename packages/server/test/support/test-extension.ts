import yazl from 'yazl';

/**
 * A small MV3 extension of our own. Its content script marks every page (a banner the agent and
 * evaluate_js can see) and asks the background service worker, which fetches
 * `/extension-ping` from the page's origin (a request the site records) and a URL on
 * `localhost` of the same port (outside a task's allowed_urls of 127.0.0.1), then answers; the
 * content script writes the answer into the page.
 */
export const testExtensionFiles: Record<string, string> = {
  'manifest.json': JSON.stringify({
    manifest_version: 3,
    name: 'Open Smooth test extension',
    version: '1.0.0',
    background: { service_worker: 'background.js' },
    content_scripts: [{ matches: ['<all_urls>'], js: ['content.js'], run_at: 'document_end' }],
    host_permissions: ['<all_urls>'],
  }),
  'background.js': `chrome.runtime.onMessage.addListener((message, sender, reply) => {
  const page = new URL(message.origin);
  const outside = 'http://localhost:' + page.port + '/extension-outside';
  Promise.allSettled([fetch(new URL('/extension-ping', page)), fetch(outside)]).then(([ping, away]) =>
    reply({ text: 'background answered: ping ' + ping.status + ', outside ' + away.status }));
  return true;
});`,
  'content.js': `const banner = document.createElement('div');
banner.id = 'extension-banner';
banner.textContent = 'Injected by the test extension';
document.body.prepend(banner);
chrome.runtime.sendMessage({ origin: location.origin }, (answer) => {
  const status = document.createElement('p');
  status.id = 'extension-background';
  status.textContent = answer ? answer.text : 'no answer';
  document.body.append(status);
});`,
};

/** A zip of `files`, under `folder/` when given (as zipping a folder makes it). */
export async function zipOf(files: Record<string, string>, folder = ''): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), `${folder}${name}`);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
