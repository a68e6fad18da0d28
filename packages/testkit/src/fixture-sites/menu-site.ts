import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteContext, SiteRoute } from './site-context.js';

const brand = 'Cloudnest';

/** The submenu exists in the DOM but is display:none until the pointer hovers "Products". */
const style = `
.menu-bar{display:flex;gap:4px;list-style:none;margin:0;padding:0;background:#fff;border:1px solid #d5dae0;border-radius:6px}
.menu-bar > li{position:relative}
.menu-bar > li > a,.menu-bar > li > span{display:block;padding:10px 16px;color:#14324f;text-decoration:none;cursor:pointer}
.submenu{display:none;position:absolute;top:100%;left:0;min-width:180px;list-style:none;margin:0;padding:6px 0;background:#fff;border:1px solid #d5dae0;box-shadow:0 4px 12px rgba(0,0,0,.12);z-index:10}
.menu-bar > li:hover > .submenu{display:block}
.submenu a{display:block;padding:6px 16px;color:#14324f;text-decoration:none}
.submenu a:hover{background:#eef3f9}
.plans{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.plan{background:#fff;border:1px solid #d5dae0;border-radius:6px;padding:12px 16px}
`;

function renderMenuBar(): string {
  return `<nav aria-label="Site menu">
<ul class="menu-bar">
  <li><a href="/menu">Home</a></li>
  <li><span aria-haspopup="true">Products ▾</span>
    <ul class="submenu">
      <li><a href="/menu/storage">Storage</a></li>
      <li><a href="/menu/pricing">Pricing</a></li>
      <li><a href="/menu/security">Security</a></li>
    </ul>
  </li>
  <li><a href="/menu/about">About</a></li>
</ul>
</nav>`;
}

function renderSimplePage(context: SiteContext, title: string, content: string): void {
  const body = `${renderMenuBar()}\n<h1>${title}</h1>\n${content}`;
  sendHtml(context.response, renderPage(context, { title: `${title} – Cloudnest`, brand, body, style }));
}

const pricingContent = `<div class="plans">
  <section class="plan"><h2>Starter</h2><p class="plan-price">$0 / month</p><p>5 GB storage, 1 user.</p></section>
  <section class="plan"><h2>Team</h2><p class="plan-price">$12 / month</p><p>1 TB storage, up to 10 users.</p></section>
  <section class="plan"><h2>Enterprise</h2><p class="plan-price">$49 / month</p><p>Unlimited storage, SSO, audit logs.</p></section>
</div>`;

export const menuRoutes: SiteRoute[] = [
  { method: 'GET', path: '/menu', handle: (context) => renderSimplePage(context, 'Cloud storage for teams', '<p>Hover over Products to see what we offer.</p>') },
  { method: 'GET', path: '/menu/pricing', handle: (context) => renderSimplePage(context, 'Pricing plans', pricingContent) },
  { method: 'GET', path: '/menu/storage', handle: (context) => renderSimplePage(context, 'Storage', '<p>Files synced across all your devices.</p>') },
  { method: 'GET', path: '/menu/security', handle: (context) => renderSimplePage(context, 'Security', '<p>Encryption at rest and in transit.</p>') },
  { method: 'GET', path: '/menu/about', handle: (context) => renderSimplePage(context, 'About us', '<p>A small team in Bristol.</p>') },
];
