import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';

/**
 * An app bar whose menus open on hover only (CSS :hover, no click handler), two levels deep:
 * Account ▸ Preferences ▸ Notifications. Clicking a leaf item records it.
 */
const style = `
.app-bar{display:flex;gap:2px;list-style:none;margin:0;padding:0;background:#22303f;border-radius:6px}
.app-bar li{position:relative;list-style:none}
.app-bar > li > span{display:block;padding:10px 16px;color:#e8eef5;cursor:default}
.menu{display:none;position:absolute;top:100%;left:0;min-width:190px;margin:0;padding:4px 0;background:#fff;border:1px solid #ccd3db;box-shadow:0 6px 16px rgba(0,0,0,.15);z-index:10}
.menu .menu{top:-5px;left:100%}
li:hover > .menu{display:block}
.menu li > span,.menu li > a{display:block;padding:7px 14px;color:#1d2430;text-decoration:none;cursor:pointer}
.menu li:hover > span,.menu li:hover > a{background:#eef3f9}
#chosen{margin-top:140px;color:#1d5c2e;font-weight:600}
`;

const script = `${recordResultScript}
document.querySelectorAll('.menu a').forEach(function (item) {
  item.addEventListener('click', function (event) {
    event.preventDefault();
    document.getElementById('chosen').textContent = 'Opened: ' + item.textContent;
    recordResult('nested-menu', item.getAttribute('data-path'));
  });
});
`;

const body = `<h1>Workspace</h1>
<ul class="app-bar" role="menubar" aria-label="App">
  <li><span role="menuitem" aria-haspopup="true" tabindex="0">File</span>
    <ul class="menu" role="menu"><li role="none"><a role="menuitem" href="#" data-path="File/New">New</a></li><li role="none"><a role="menuitem" href="#" data-path="File/Open">Open…</a></li></ul></li>
  <li><span role="menuitem" aria-haspopup="true" tabindex="0">Account</span>
    <ul class="menu" role="menu">
      <li role="none"><a role="menuitem" href="#" data-path="Account/Profile">Profile</a></li>
      <li><span role="menuitem" aria-haspopup="true" tabindex="0">Preferences ▸</span>
        <ul class="menu" role="menu">
          <li role="none"><a role="menuitem" href="#" data-path="Account/Preferences/Language">Language</a></li>
          <li role="none"><a role="menuitem" href="#" data-path="Account/Preferences/Notifications">Notifications</a></li>
        </ul></li>
      <li role="none"><a role="menuitem" href="#" data-path="Account/Sign out">Sign out</a></li>
    </ul></li>
</ul>
<p id="chosen"></p>`;

export const nestedMenuRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/workspace',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Workspace – Tallyboard', brand: 'Tallyboard', body, style, script })),
  },
];
