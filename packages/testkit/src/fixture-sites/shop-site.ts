import { recordClickScript } from './click-api.js';
import { escapeHtml } from './escape-html.js';
import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { shopPageCount, shopPageSize, shopProducts } from './shop-products.js';
import type { SiteContext, SiteRoute } from './site-context.js';

const brand = 'Pebble & Co';

const style = `
.products{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.product{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:10px 12px;display:flex;flex-direction:column;gap:4px}
.product h2{font-size:15px;margin:0}
.price{font-weight:700}
.add-to-basket{align-self:flex-start;padding:4px 10px}
.pagination{display:flex;gap:8px;margin:16px 0}
.pagination [aria-current=page]{font-weight:700;text-decoration:none}
.pagination .disabled{color:#9aa3ad}
`;

const shopScript = `${recordClickScript}
var basketCount = 0;
document.querySelectorAll('.add-to-basket').forEach(function (button) {
  button.addEventListener('click', function () {
    recordClick('basket:' + button.dataset.product).then(function () {
      basketCount++;
      document.getElementById('basket').textContent = 'Basket (' + basketCount + ')';
    });
  });
});
`;

function renderPagination(page: number): string {
  const numbers = Array.from({ length: shopPageCount }, (_, index) => index + 1)
    .map((number) => (number === page ? `<a href="/shop?page=${number}" aria-current="page">${number}</a>` : `<a href="/shop?page=${number}">${number}</a>`))
    .join('\n');
  const previous = page > 1 ? `<a href="/shop?page=${page - 1}" rel="prev">Previous</a>` : `<span class="disabled" aria-disabled="true">Previous</span>`;
  const next = page < shopPageCount ? `<a href="/shop?page=${page + 1}" rel="next">Next</a>` : `<span class="disabled" aria-disabled="true">Next</span>`;
  return `<nav class="pagination" aria-label="Pagination">${previous}\n${numbers}\n${next}</nav>`;
}

function renderShopPage(context: SiteContext): void {
  const requested = context.url.searchParams.get('page') ?? '1';
  const page = /^\d+$/.test(requested) ? Number(requested) : Number.NaN;
  if (!(page >= 1 && page <= shopPageCount)) {
    const body = `<h1>Page not found</h1><p>That page of the catalogue does not exist. <a href="/shop?page=1">Back to page 1</a></p>`;
    sendHtml(context.response, renderPage(context, { title: 'Not found – Pebble & Co', brand, body }), 404);
    return;
  }
  const first = (page - 1) * shopPageSize;
  const items = shopProducts.slice(first, first + shopPageSize)
    .map((product) => `<li class="product">
  <h2>${escapeHtml(product.name)}</h2>
  <span class="price">£${product.priceGbp.toFixed(2)}</span>
  <span class="rating" aria-label="Rated ${product.rating} out of 5">★ ${product.rating.toFixed(1)}</span>
  <button type="button" class="add-to-basket" aria-label="Add ${escapeHtml(product.name)} to basket" data-product="${escapeHtml(product.name)}">&#x1F6D2;</button>
</li>`)
    .join('\n');
  const body = `<h1>Kitchen essentials</h1>
<p>Showing ${first + 1}–${Math.min(first + shopPageSize, shopProducts.length)} of ${shopProducts.length} products · Page ${page} of ${shopPageCount}</p>
<ul class="products">
${items}
</ul>
${renderPagination(page)}`;
  const navigation: Array<[string, string]> = [['Kitchen', '/shop'], ['Sale', '/shop?page=3'], ['Basket', '/shop#basket']];
  const withBasket = renderPage(context, { title: `Kitchen essentials – page ${page} – Pebble & Co`, brand, navigation, body, style, script: shopScript })
    .replace('<a href="/shop#basket">Basket</a>', '<a href="/shop#basket" id="basket">Basket (0)</a>');
  sendHtml(context.response, withBasket);
}

export const shopRoutes: SiteRoute[] = [{ method: 'GET', path: '/shop', handle: renderShopPage }];
