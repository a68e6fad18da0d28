import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';

const sites: Array<[string, string, string]> = [
  ['/flights', 'Flight search', 'Search flights, filter non-stop, sort by price.'],
  ['/apply', 'Multi-step application form', 'Three steps with validation.'],
  ['/account', 'Account (login required)', 'Sign in to see invoices.'],
  ['/shop?page=1', 'Shop', '23 products over 3 pages.'],
  ['/frames', 'Frames and shadow DOM', 'Same-origin and cross-origin iframes, a web component.'],
  ['/downloads', 'Downloads', 'A CSV report to download.'],
  ['/upload', 'File upload', 'Send a document.'],
  ['/menu', 'Hover menu', 'A navigation bar with a hover-only submenu.'],
  ['/board', 'Kanban board', 'Drag and drop cards between columns.'],
  ['/policy', 'Policy probes', 'Redirects, popups, frames and fetches to another host.'],
];

export const homeRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/',
    handle(context) {
      const items = sites.map(([href, title, description]) => `<li><a href="${href}">${title}</a> – ${description}</li>`).join('\n');
      const body = `<h1>Demo sites</h1>\n<ul id="sites">\n${items}\n</ul>`;
      sendHtml(context.response, renderPage(context, { title: 'Demo sites', brand: 'Open Smooth fixtures', body }));
    },
  },
];
