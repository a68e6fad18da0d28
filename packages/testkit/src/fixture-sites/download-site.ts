import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';

/** The exact bytes of /downloads/report.csv (CRLF line ends, as spreadsheet exports write them). */
export const reportCsvBytes: Buffer = Buffer.from(
  [
    'month,region,orders,revenue_gbp',
    '2026-01,North,1204,48160.00',
    '2026-01,South,987,39480.00',
    '2026-02,North,1310,52400.00',
    '2026-02,South,1045,41800.00',
    '2026-03,North,1422,56880.00',
    '2026-03,South,1101,44040.00',
    '',
  ].join('\r\n'),
  'utf8',
);

export const reportCsvFileName = 'report.csv';

export const downloadRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/downloads',
    handle(context) {
      const body = `<h1>Reports</h1>
<p>Quarterly sales figures, updated nightly.</p>
<ul>
  <li><a href="/downloads/${reportCsvFileName}" id="report-link">Download Q1 sales report (CSV, ${reportCsvBytes.length} bytes)</a></li>
</ul>`;
      sendHtml(context.response, renderPage(context, { title: 'Reports – Tally', brand: 'Tally', body }));
    },
  },
  {
    method: 'GET',
    path: `/downloads/${reportCsvFileName}`,
    handle(context) {
      context.response.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': String(reportCsvBytes.length),
        'content-disposition': `attachment; filename="${reportCsvFileName}"`,
        'cache-control': 'no-store',
      });
      context.response.end(reportCsvBytes);
    },
  },
];
