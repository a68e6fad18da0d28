import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A volume control drawn with divs: a track and a thumb moved by pointer drags, no ARIA and no
 * <input type=range>. "Apply" records the value.
 */
const style = `
.track{position:relative;width:400px;height:8px;background:#d5dae0;border-radius:4px;margin:28px 0;cursor:pointer}
.fill{position:absolute;left:0;top:0;bottom:0;background:#1f6feb;border-radius:4px}
.thumb{position:absolute;top:-8px;width:24px;height:24px;margin-left:-12px;border-radius:50%;background:#fff;border:2px solid #1f6feb;cursor:grab}
`;

const script = `${recordResultScript}
var track = document.getElementById('volume-track');
var thumb = document.getElementById('volume-thumb');
var fill = document.getElementById('volume-fill');
var readout = document.getElementById('volume-readout');
var volume = 20;
var dragging = false;
function show() { thumb.style.left = volume + '%'; fill.style.width = volume + '%'; readout.textContent = 'Volume: ' + volume + '%'; }
function moveTo(clientX) {
  var box = track.getBoundingClientRect();
  volume = Math.round(Math.min(1, Math.max(0, (clientX - box.left) / box.width)) * 100);
  show();
}
thumb.addEventListener('pointerdown', function (event) { dragging = true; event.preventDefault(); });
track.addEventListener('pointerdown', function (event) { if (event.target === track || event.target === fill) moveTo(event.clientX); });
document.addEventListener('pointermove', function (event) { if (dragging) moveTo(event.clientX); });
document.addEventListener('pointerup', function () { dragging = false; });
document.getElementById('apply-volume').addEventListener('click', function () { recordResult('slider', String(volume)); document.getElementById('applied').textContent = 'Applied ' + volume + '%'; });
show();
`;

const body = `<h1>Sound settings</h1>
<p id="volume-readout">Volume: 20%</p>
<div class="track" id="volume-track"><div class="fill" id="volume-fill"></div><div class="thumb" id="volume-thumb" tabindex="0"></div></div>
<button type="button" id="apply-volume">Apply</button>
<p id="applied"></p>`;

export const sliderRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/sound',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Sound – Echo Desk', brand: 'Echo Desk', body, style, script })),
  },
];
