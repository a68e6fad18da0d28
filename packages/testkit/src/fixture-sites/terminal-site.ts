import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A web console that reads key events only (no input element): what a person types goes to the
 * focused console line by line; Enter runs the command. Each command run is recorded server-side.
 */
const style = `
.console{background:#10151c;color:#c9d6e3;font:14px/1.45 ui-monospace,Menlo,monospace;padding:12px 14px;border-radius:6px;min-height:240px;outline:none;white-space:pre-wrap}
.console pre{margin:0;font:inherit;white-space:pre-wrap}
#console{outline:none}
#console:focus{box-shadow:0 0 0 2px #3b82f6}
.console .prompt{color:#7ee787}
.console .cursor{display:inline-block;width:8px;background:#c9d6e3;animation:blink 1s steps(1) infinite}
@keyframes blink{50%{opacity:0}}
`;

const files: Record<string, string> = {
  'deploy.log': 'release 4.12.0 rolled out to 3 of 3 hosts',
  'notes.txt': 'maintenance window: Sunday 02:00-03:00 UTC',
  'hosts.cfg': 'web-1 web-2 web-3',
};

const script = `${recordResultScript}
var files = ${JSON.stringify(files)};
var screen = document.getElementById('console');
var output = document.getElementById('console-output');
var line = document.getElementById('console-line');
var buffer = '';
function print(text) { output.textContent += text + '\\n'; }
function run(command) {
  var parts = command.trim().split(/\\s+/);
  recordResult('terminal', command.trim());
  if (parts[0] === '') return;
  if (parts[0] === 'ls') print(Object.keys(files).join('  '));
  else if (parts[0] === 'cat') print(files[parts[1]] !== undefined ? files[parts[1]] : 'cat: ' + parts[1] + ': No such file');
  else if (parts[0] === 'clear') output.textContent = '';
  else print(parts[0] + ': command not found');
}
screen.addEventListener('keydown', function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'Enter') { print('ops@buildbox:~$ ' + buffer); run(buffer); buffer = ''; }
  else if (event.key === 'Backspace') buffer = buffer.slice(0, -1);
  else if (event.key.length === 1) buffer += event.key;
  else return;
  event.preventDefault();
  line.textContent = buffer;
});
`;

const body = `<h1>Buildbox console</h1>
<p>Click the console and type a command, then press Enter. Try <code>ls</code> or <code>cat FILE</code>.</p>
<div class="console"><pre id="console-output" aria-live="polite"></pre><div id="console" tabindex="0" aria-label="Console input"><span class="prompt">ops@buildbox:~$ </span><span id="console-line"></span><span class="cursor">&nbsp;</span></div></div>`;

export const terminalRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/console',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Console – Buildbox', brand: 'Buildbox', body, style, script })),
  },
];
