import { sendHtml, sendJson } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * A rail journey search whose "From" field suggests stations the way real sites do: typing waits
 * for a pause (debounce), then asks the server, which answers slowly; the suggestions appear only
 * then. Choosing one and searching records the station.
 */
const stations = ['Amsterdam Centraal', 'Antwerpen-Centraal', 'Basel SBB', 'Bordeaux Saint-Jean', 'Porto Campanhã', 'Porto São Bento', 'Portsmouth Harbour', 'Potsdam Hbf'];
const suggestionDelayMs = 400;

const style = `
.station-field{position:relative;max-width:320px}
#station-list{position:absolute;left:0;right:0;top:100%;margin:0;padding:4px 0;list-style:none;background:#fff;border:1px solid #b7bec8;border-radius:4px;box-shadow:0 4px 10px rgba(0,0,0,.12);z-index:5}
#station-list[hidden]{display:none}
#station-list li{padding:6px 10px;cursor:pointer}
#station-list li:hover{background:#eef3f9}
`;

const script = `${recordResultScript}
var field = document.getElementById('from-station');
var list = document.getElementById('station-list');
var timer = null;
function close() { list.hidden = true; list.innerHTML = ''; field.setAttribute('aria-expanded', 'false'); }
field.addEventListener('input', function () {
  clearTimeout(timer);
  var query = field.value.trim();
  if (query.length < 2) { close(); return; }
  timer = setTimeout(function () {
    fetch('/api/stations?q=' + encodeURIComponent(query)).then(function (response) { return response.json(); }).then(function (found) {
      if (field.value.trim() !== query) return;
      list.innerHTML = found.map(function (name, position) { return '<li role="option" id="station-' + position + '">' + name + '</li>'; }).join('');
      list.hidden = found.length === 0;
      field.setAttribute('aria-expanded', found.length > 0 ? 'true' : 'false');
    });
  }, 250);
});
list.addEventListener('click', function (event) {
  var option = event.target.closest('[role=option]');
  if (!option) return;
  field.value = option.textContent;
  close();
});
document.getElementById('search-journeys').addEventListener('click', function () {
  recordResult('station', field.value);
  document.getElementById('searching').textContent = 'Searching journeys from ' + field.value + '…';
});
`;

const body = `<h1>Plan a rail journey</h1>
<label for="from-station">From</label>
<div class="station-field">
  <input id="from-station" type="text" role="combobox" aria-autocomplete="list" aria-controls="station-list" aria-expanded="false" autocomplete="off" placeholder="Station">
  <ul id="station-list" role="listbox" aria-label="Stations" hidden></ul>
</div>
<p><button type="button" id="search-journeys">Search journeys</button></p>
<p id="searching"></p>`;

export const stationSearchRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/journeys',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Journeys – Railway', brand: 'Railway', body, style, script })),
  },
  {
    method: 'GET',
    path: '/api/stations',
    async handle(context) {
      const query = (context.url.searchParams.get('q') ?? '').toLowerCase();
      await new Promise((resolve) => setTimeout(resolve, suggestionDelayMs));
      sendJson(context.response, stations.filter((station) => station.toLowerCase().includes(query)));
    },
  },
];
