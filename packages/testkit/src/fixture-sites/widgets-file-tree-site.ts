import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';
import { svgIcon } from './widgets-icons.js';

/**
 * A document browser with an ARIA tree: folders start collapsed and open on click; clicking a file
 * selects it, "Open" opens the selected file (recorded as its path).
 */
interface TreeNode {
  name: string;
  children?: TreeNode[];
}

const tree: TreeNode[] = [
  { name: 'Finance', children: [{ name: '2024', children: [{ name: 'budget.xlsx' }, { name: 'audit.pdf' }] }, { name: '2025', children: [{ name: 'budget.xlsx' }, { name: 'forecast.xlsx' }] }] },
  { name: 'Marketing', children: [{ name: 'brand-guide.pdf' }, { name: 'campaigns', children: [{ name: 'spring.docx' }] }] },
  { name: 'README.txt' },
];

function renderNodes(nodes: TreeNode[], level: number, path: string): string {
  return nodes
    .map((node) => {
      const nodePath = path ? `${path}/${node.name}` : node.name;
      if (!node.children) {
        return `<li role="treeitem" aria-level="${level}" aria-selected="false" data-path="${nodePath}" class="file">${svgIcon('file')}<span>${node.name}</span></li>`;
      }
      return `<li role="treeitem" aria-level="${level}" aria-expanded="false" data-path="${nodePath}" class="folder"><span class="label">${svgIcon('chevron', 'chevron')}${svgIcon('folder')}<span>${node.name}</span></span>
  <ul role="group">${renderNodes(node.children, level + 1, nodePath)}</ul></li>`;
    })
    .join('\n');
}

const style = `
.tree,.tree ul{list-style:none;margin:0;padding-left:18px}
.tree{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:8px 8px 8px 4px;width:340px}
.tree li{cursor:default}
.tree li>.label,.tree li.file{display:flex;align-items:center;gap:4px;padding:2px 4px;border-radius:4px}
.tree li[aria-expanded=false]>ul{display:none}
.tree li[aria-expanded=true]>.label .chevron{transform:rotate(90deg)}
.tree li[aria-selected=true]{background:#dbeafe}
#opened{color:#166534}
`;

const script = `${recordResultScript}
var treeElement = document.getElementById('tree');
treeElement.addEventListener('click', function (event) {
  var item = event.target.closest('[role=treeitem]');
  if (!item) return;
  event.stopPropagation();
  if (item.classList.contains('folder')) {
    item.setAttribute('aria-expanded', item.getAttribute('aria-expanded') === 'true' ? 'false' : 'true');
    return;
  }
  treeElement.querySelectorAll('[aria-selected=true]').forEach(function (other) { other.setAttribute('aria-selected', 'false'); });
  item.setAttribute('aria-selected', 'true');
  document.getElementById('selection').textContent = 'Selected: ' + item.dataset.path;
});
document.getElementById('open').addEventListener('click', function () {
  var selected = treeElement.querySelector('[aria-selected=true]');
  if (!selected) { document.getElementById('opened').textContent = 'Select a file first.'; return; }
  document.getElementById('opened').textContent = 'Opened ' + selected.dataset.path;
  recordResult('file-tree', selected.dataset.path);
});
`;

const body = `<h1>Team documents</h1>
<ul class="tree" role="tree" aria-label="Documents" id="tree">${renderNodes(tree, 1, '')}</ul>
<p id="selection">Nothing selected</p>
<button id="open" type="button">Open</button>
<p id="opened"></p>`;

export const fileTreeRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/files',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Documents – Shelf', brand: 'Shelf', body, style, script })),
  },
];
