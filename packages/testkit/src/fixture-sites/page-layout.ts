import { escapeHtml } from './escape-html.js';
import { readCookies } from './request-body.js';
import type { SiteContext } from './site-context.js';

export interface PageOptions {
  /** Document title; also the default brand shown in the header. */
  title: string;
  /** Name of the pretend company running the site. */
  brand: string;
  /** Trusted HTML of the main content. */
  body: string;
  /** Extra header links, as [label, href]. */
  navigation?: Array<[string, string]>;
  /** Trusted extra CSS and script for this page. */
  style?: string;
  script?: string;
}

const baseStyle = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f6f7f9;padding-bottom:80px}
header.site-header{background:#14324f;color:#fff;display:flex;align-items:center;gap:24px;padding:10px 24px}
header.site-header a{color:#dbe8f5;text-decoration:none}
header.site-header .brand{font-weight:700;font-size:18px;color:#fff}
main{max-width:960px;margin:0 auto;padding:16px 24px}
footer.site-footer{max-width:960px;margin:24px auto;padding:0 24px;color:#6b7380;font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6ea;padding:6px 10px;text-align:left}
button,.button{background:#1f6feb;color:#fff;border:0;border-radius:4px;padding:7px 14px;font:inherit;cursor:pointer}
label{display:block;margin:8px 0 2px;font-weight:600}
input[type=text],input[type=email],input[type=password],input[type=date],select{padding:6px 8px;border:1px solid #b7bec8;border-radius:4px;font:inherit;min-width:240px}
.error{color:#b42318;font-size:13px;margin:2px 0}
.cookie-notice{position:fixed;left:0;right:0;bottom:0;background:#222;color:#eee;padding:10px 24px;display:flex;gap:16px;align-items:center;font-size:13px}
.cookie-notice button{background:#eee;color:#222}
`;

/** The consent cookie hides the notice on later pages, as on real sites. */
const cookieNoticeScript = `
document.querySelectorAll('[data-dismiss-cookie-notice]').forEach(function (button) {
  button.addEventListener('click', function () {
    document.cookie = 'cookie_consent=1; path=/; SameSite=Lax';
    var notice = document.getElementById('cookie-notice');
    if (notice) notice.remove();
  });
});
`;

function renderCookieNotice(): string {
  return `<div class="cookie-notice" id="cookie-notice" role="region" aria-label="Cookie notice">
  <span>We use cookies to remember your preferences and to measure traffic.</span>
  <button type="button" data-dismiss-cookie-notice>Accept all</button>
  <button type="button" data-dismiss-cookie-notice aria-label="Dismiss cookie notice">&#x2715;</button>
</div>`;
}

/** Wraps a site's content in a realistic page shell: header, navigation, footer and a cookie notice. */
export function renderPage(context: SiteContext, options: PageOptions): string {
  const navigation = (options.navigation ?? [])
    .map(([label, href]) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`)
    .join('\n    ');
  const showCookieNotice = readCookies(context.request).get('cookie_consent') !== '1';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${baseStyle}${options.style ?? ''}</style>
</head>
<body>
<header class="site-header">
  <a class="brand" href="/">${escapeHtml(options.brand)}</a>
  <nav aria-label="Main">
    ${navigation}
  </nav>
</header>
<main>
${options.body}
</main>
<footer class="site-footer">
  <p>&copy; 2026 ${escapeHtml(options.brand)} Ltd. All rights reserved. <a href="/">All demo sites</a></p>
</footer>
${showCookieNotice ? renderCookieNotice() : ''}
<script>${cookieNoticeScript}${options.script ?? ''}</script>
</body>
</html>`;
}
