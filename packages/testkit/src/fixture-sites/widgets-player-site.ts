import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A podcast page whose player is a web component: its controls are icon-only spans inside an open
 * shadow root, each with its own click listener (no role, no tabindex, no pointer cursor), so only
 * the listeners say they can be clicked. The volume control appears inside the shadow root once the
 * episode plays. Every control pressed is recorded.
 */
const script = `${recordResultScript}
class EpisodePlayer extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    var root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<style>.bar{display:flex;gap:10px;align-items:center;border:1px solid #ccd;padding:8px;width:420px}' +
      '.icon{display:inline-block;width:18px;height:18px;background:#345;border-radius:3px}</style>' +
      '<div class="bar"><span class="icon icon-play"></span><span class="icon icon-next"></span><span id="state">Paused</span></div>';
    var bar = root.querySelector('.bar');
    var state = root.getElementById('state');
    function press(action) { recordResult('player', action); }
    root.querySelector('.icon-play').addEventListener('click', function (event) {
      var icon = event.currentTarget;
      var playing = icon.classList.contains('icon-play');
      icon.className = 'icon ' + (playing ? 'icon-pause' : 'icon-play');
      state.textContent = playing ? 'Playing' : 'Paused';
      press(playing ? 'play' : 'pause');
      if (playing && !root.querySelector('.icon-mute')) {
        var mute = document.createElement('span');
        mute.className = 'icon icon-mute';
        mute.addEventListener('click', function () { state.textContent = 'Playing, muted'; press('mute'); });
        bar.insertBefore(mute, state);
      }
    });
    root.querySelector('.icon-next').addEventListener('click', function () { press('next'); });
  }
}
customElements.define('episode-player', EpisodePlayer);
`;

const body = `<h1>Episode 42: Slow coffee</h1>
<p>Forty minutes on grinders, kettles and patience.</p>
<episode-player></episode-player>`;

export const playerRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/player',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Slow coffee – Gadgetly Radio', brand: 'Gadgetly Radio', body, script })),
  },
];
