import { recordClickScript } from './click-api.js';
import { escapeHtml } from './escape-html.js';
import { findFlights, flightCities, formatStops, type Flight } from './flight-data.js';
import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteContext, SiteRoute } from './site-context.js';

const brand = 'SkyHop';
const navigation: Array<[string, string]> = [['Flights', '/flights'], ['Deals', '/flights#deals'], ['Help', '/flights#help']];

const style = `
.search-form{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end;background:#fff;padding:16px;border-radius:6px}
.filters{display:flex;gap:24px;align-items:center;margin:12px 0}
.filters label{display:inline;margin:0}
.select-flight{color:#1f6feb;cursor:pointer;font-weight:600}
.icon-button{background:#e8eef6;color:#14324f;padding:6px 10px}
`;

function renderSearchForm(from: string, to: string, date: string, errors: string[]): string {
  const cityOptions = flightCities.map((city) => `<option value="${escapeHtml(city)}">`).join('');
  const errorList = errors.map((error) => `<p class="error" role="alert">${escapeHtml(error)}</p>`).join('');
  return `<form class="search-form" method="get" action="/flights/results" role="search" aria-label="Flight search">
  <div><label for="from">From</label><input type="text" id="from" name="from" list="cities" value="${escapeHtml(from)}" placeholder="City or airport" required></div>
  <button type="button" class="icon-button" aria-label="Swap origin and destination" id="swap">&#x21C4;</button>
  <div><label for="to">To</label><input type="text" id="to" name="to" list="cities" value="${escapeHtml(to)}" placeholder="City or airport" required></div>
  <div><label for="date">Date</label><input type="date" id="date" name="date" value="${escapeHtml(date)}"></div>
  <button type="submit">Search</button>
  <datalist id="cities">${cityOptions}</datalist>
</form>
${errorList}`;
}

const swapScript = `
var swap = document.getElementById('swap');
if (swap) swap.addEventListener('click', function () {
  var from = document.getElementById('from'), to = document.getElementById('to');
  var kept = from.value; from.value = to.value; to.value = kept;
});
`;

function renderSearchPage(context: SiteContext): void {
  const body = `<h1>Find cheap flights</h1>
<p>Compare fares from 40 airlines. No booking fees.</p>
${renderSearchForm('', '', '', [])}
<section id="deals"><h2>Popular routes</h2><ul><li>London to Paris from £49</li><li>London to Berlin from £44</li><li>Paris to Rome from £89</li></ul></section>
<section id="help"><h2>Help</h2><p>Prices are per adult, one way, including taxes.</p></section>`;
  sendHtml(context.response, renderPage(context, { title: 'SkyHop – Cheap flights', brand, navigation, body, style, script: swapScript }));
}

function sortFlights(list: Flight[], sort: string): Flight[] {
  const sorted = [...list];
  if (sort === 'price') sorted.sort((left, right) => left.priceGbp - right.priceGbp);
  else sorted.sort((left, right) => left.depart.localeCompare(right.depart));
  return sorted;
}

function renderFlightRow(flight: Flight, hidden: boolean): string {
  const code = flight.flightNumber.replace(/\s+/g, '');
  return `<tr data-price="${flight.priceGbp}" data-depart="${flight.depart}" data-stops="${flight.stops}"${hidden ? ' hidden' : ''}>
  <td>${escapeHtml(flight.airline)}</td><td>${escapeHtml(flight.flightNumber)}</td><td>${flight.depart}</td><td>${flight.arrive}</td>
  <td>${formatStops(flight.stops)}</td><td>£${flight.priceGbp}</td>
  <td><div class="select-flight" onclick="selectFlight(this, '${code}')">Select</div></td>
</tr>`;
}

/** Filters work without JavaScript (GET form) and re-render in place with it, like most travel sites. */
const resultsScript = `${recordClickScript}
function selectFlight(element, code) {
  recordClick('flight:' + code).then(function () { element.textContent = 'Selected'; });
}
function applyFilters() {
  var nonStop = document.getElementById('nonstop').checked;
  var sort = document.getElementById('sort').value;
  var body = document.querySelector('#results tbody');
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (left, right) {
    if (sort === 'price') return Number(left.dataset.price) - Number(right.dataset.price);
    return left.dataset.depart < right.dataset.depart ? -1 : left.dataset.depart > right.dataset.depart ? 1 : 0;
  });
  var shown = 0;
  rows.forEach(function (row) {
    row.hidden = nonStop && row.dataset.stops !== '0';
    if (!row.hidden) shown++;
    body.appendChild(row);
  });
  document.getElementById('result-count').textContent = shown + (shown === 1 ? ' flight' : ' flights') + ' found';
}
var filters = document.getElementById('filters');
if (filters) {
  filters.addEventListener('change', applyFilters);
  filters.addEventListener('submit', function (event) { event.preventDefault(); applyFilters(); });
}
${swapScript}`;

function renderResultsPage(context: SiteContext): void {
  const from = context.url.searchParams.get('from') ?? '';
  const to = context.url.searchParams.get('to') ?? '';
  const date = context.url.searchParams.get('date') ?? '';
  const nonStop = context.url.searchParams.get('nonstop') === '1';
  const sort = context.url.searchParams.get('sort') === 'price' ? 'price' : 'depart';
  const errors = [from.trim() === '' ? 'Enter where you are flying from.' : '', to.trim() === '' ? 'Enter where you are flying to.' : ''].filter(Boolean);
  if (errors.length > 0) {
    const body = `<h1>Find cheap flights</h1>${renderSearchForm(from, to, date, errors)}`;
    sendHtml(context.response, renderPage(context, { title: 'SkyHop – Cheap flights', brand, navigation, body, style, script: swapScript }));
    return;
  }
  const matches = sortFlights(findFlights(from, to), sort);
  const shownCount = matches.filter((flight) => !nonStop || flight.stops === 0).length;
  const rows = matches.map((flight) => renderFlightRow(flight, nonStop && flight.stops !== 0)).join('\n');
  const dateText = date === '' ? 'any date' : escapeHtml(date);
  const results = matches.length === 0
    ? `<p id="result-count">No flights found for this route. Try another date or nearby airports.</p>`
    : `<form id="filters" class="filters" method="get" action="/flights/results" aria-label="Filters">
  <input type="hidden" name="from" value="${escapeHtml(from)}"><input type="hidden" name="to" value="${escapeHtml(to)}"><input type="hidden" name="date" value="${escapeHtml(date)}">
  <span><input type="checkbox" id="nonstop" name="nonstop" value="1"${nonStop ? ' checked' : ''}> <label for="nonstop">Non-stop only</label></span>
  <span><label for="sort">Sort by</label> <select id="sort" name="sort"><option value="depart"${sort === 'depart' ? ' selected' : ''}>Departure time</option><option value="price"${sort === 'price' ? ' selected' : ''}>Price (lowest first)</option></select></span>
  <noscript><button type="submit">Apply</button></noscript>
</form>
<p id="result-count">${shownCount} ${shownCount === 1 ? 'flight' : 'flights'} found</p>
<table id="results">
<caption>Flights from ${escapeHtml(from)} to ${escapeHtml(to)} on ${dateText}, one way, prices per adult in GBP</caption>
<thead><tr><th>Airline</th><th>Flight</th><th>Departs</th><th>Arrives</th><th>Stops</th><th>Price</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  const body = `<h1>${escapeHtml(from)} to ${escapeHtml(to)}</h1>
${renderSearchForm(from, to, date, [])}
${results}`;
  sendHtml(context.response, renderPage(context, { title: `Flights ${from} to ${to} – SkyHop`, brand, navigation, body, style, script: resultsScript }));
}

export const flightRoutes: SiteRoute[] = [
  { method: 'GET', path: '/flights', handle: renderSearchPage },
  { method: 'GET', path: '/flights/results', handle: renderResultsPage },
];
