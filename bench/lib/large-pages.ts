import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Large realistic pages the observation benchmark generates: a 500-row table, a 60-field form, a 2,000+ element catalogue. */

export interface NeededElement {
  role: string;
  name: string;
}

export interface LargePage {
  path: string;
  html: string;
  needed: NeededElement[];
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;margin:0 auto;max-width:1100px}td,th{padding:2px 6px;border-bottom:1px solid #ddd}
label{display:block;margin:4px 0}.card{display:inline-block;width:200px;margin:4px;vertical-align:top}</style></head>
<body><header><a href="/">Home</a> <a href="/deals">Deals</a> <a href="/help">Help</a></header><main>${body}</main></body></html>`;
}

const airlines = ['SkyHop', 'Northwind Air', 'Bluejet', 'Aerolink', 'Coastal'];
const cities = ['London', 'Paris', 'Berlin', 'Madrid', 'Rome', 'Vienna', 'Lisbon', 'Dublin'];

function flightTable(): LargePage {
  const rows = Array.from({ length: 500 }, (_, index) => {
    const number = index + 1;
    const airline = airlines[index % airlines.length] ?? '';
    const from = cities[index % cities.length] ?? '';
    const to = cities[(index + 3) % cities.length] ?? '';
    const hour = String(6 + (index % 16)).padStart(2, '0');
    const price = 49 + ((index * 37) % 400);
    return `<tr><td>SH${1000 + number}</td><td>${airline}</td><td>${from}</td><td>${to}</td><td>${hour}:${String((index * 7) % 60).padStart(2, '0')}</td><td>£${price}</td><td><button>Select SH${1000 + number}</button></td></tr>`;
  }).join('');
  const body = `<h1>All departures</h1><label>Filter flights <input type="search" name="filter"></label>
<table><thead><tr><th>Flight</th><th>Airline</th><th>From</th><th>To</th><th>Departs</th><th>Price</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<nav><a href="?page=2">Next page</a></nav>`;
  return {
    path: '/large/table',
    html: page('All departures', body),
    needed: [
      { role: 'searchbox', name: 'Filter flights' },
      { role: 'button', name: 'Select SH1001' },
      { role: 'link', name: 'Next page' },
    ],
  };
}

const formTopics = ['name', 'street', 'city', 'postcode', 'phone', 'employer', 'job title', 'income', 'reference', 'notes'];

function longForm(): LargePage {
  const fields = Array.from({ length: 60 }, (_, index) => {
    const label = `Applicant ${Math.floor(index / formTopics.length) + 1} ${formTopics[index % formTopics.length] ?? ''}`;
    if (index % 10 === 7) return `<label>${label} <select name="f${index}"><option>Under 20k</option><option>20k-50k</option><option>Over 50k</option></select></label>`;
    if (index % 10 === 9) return `<label>${label} <textarea name="f${index}"></textarea></label>`;
    return `<label>${label} <input name="f${index}" required></label>`;
  }).join('');
  const body = `<h1>Mortgage application</h1><p>All fields are required unless marked optional.</p><form>${fields}
<label><input type="checkbox" name="terms"> I accept the terms</label><button type="submit">Submit application</button></form>`;
  return {
    path: '/large/form',
    html: page('Mortgage application', body),
    needed: [
      { role: 'textbox', name: 'Applicant 1 name' },
      { role: 'textbox', name: 'Applicant 6 reference' },
      { role: 'checkbox', name: 'I accept the terms' },
      { role: 'button', name: 'Submit application' },
    ],
  };
}

function catalogue(): LargePage {
  const cards = Array.from({ length: 400 }, (_, index) => {
    const number = index + 1;
    return `<div class="card"><a href="/p/${number}"><img alt="" width="40" height="40">Product ${number}</a>
<span>£${(number * 3) % 90}.99</span><button>Add product ${number} to basket</button><a href="/p/${number}#reviews">${number % 50} reviews</a><input type="checkbox" aria-label="Compare product ${number}"></div>`;
  }).join('');
  const sitemap = Array.from({ length: 300 }, (_, index) => `<li><a href="/c/${index}">Category ${index + 1}</a></li>`).join('');
  const body = `<h1>Catalogue</h1><label>Search products <input type="search" name="q"></label>${cards}
<button>Load more products</button><footer><ul>${sitemap}</ul></footer>`;
  return {
    path: '/large/catalogue',
    html: page('Catalogue', body),
    needed: [
      { role: 'searchbox', name: 'Search products' },
      { role: 'button', name: 'Add product 1 to basket' },
      { role: 'button', name: 'Load more products' },
    ],
  };
}

export const largePages: LargePage[] = [flightTable(), longForm(), catalogue()];

export interface LargePageServer {
  url(path: string): string;
  close(): Promise<void>;
}

export async function startLargePageServer(): Promise<LargePageServer> {
  const byPath = new Map(largePages.map((large) => [large.path, large.html]));
  const server = createServer((request, response) => {
    const html = byPath.get(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    response.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
