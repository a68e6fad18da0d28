import { escapeHtml } from './escape-html.js';
import { sendHtml, sendJson } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { readJsonObject } from './request-body.js';
import type { SiteContext, SiteRoute } from './site-context.js';

export const boardColumns: ReadonlyArray<{ id: string; title: string }> = [
  { id: 'todo', title: 'To do' },
  { id: 'doing', title: 'Doing' },
  { id: 'done', title: 'Done' },
];

export const boardCards: ReadonlyArray<{ id: string; title: string; column: string }> = [
  { id: 'card-login-bug', title: 'Fix login redirect bug', column: 'todo' },
  { id: 'card-pricing-copy', title: 'Write pricing page copy', column: 'todo' },
  { id: 'card-invoice-export', title: 'Invoice CSV export', column: 'doing' },
  { id: 'card-onboarding', title: 'Onboarding email series', column: 'done' },
];

/** Card positions persist per server, so a reload shows the board as the user left it. */
export function initialBoardColumns(): Map<string, string> {
  return new Map(boardCards.map((card) => [card.id, card.column]));
}

const style = `
.board{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.column{background:#eef1f5;border-radius:6px;padding:8px;min-height:220px}
.column h2{font-size:15px;margin:4px 4px 8px}
.column.drag-over{outline:2px dashed #1f6feb}
.card{background:#fff;border:1px solid #d5dae0;border-radius:4px;padding:8px;margin:6px 0;cursor:grab}
`;

const boardScript = `
var dragged = null;
document.querySelectorAll('.card').forEach(function (card) {
  card.addEventListener('dragstart', function (event) {
    dragged = card;
    event.dataTransfer.setData('text/plain', card.id);
    event.dataTransfer.effectAllowed = 'move';
  });
});
document.querySelectorAll('.column').forEach(function (column) {
  column.addEventListener('dragover', function (event) { event.preventDefault(); column.classList.add('drag-over'); });
  column.addEventListener('dragleave', function () { column.classList.remove('drag-over'); });
  column.addEventListener('drop', function (event) {
    event.preventDefault();
    column.classList.remove('drag-over');
    var card = document.getElementById(event.dataTransfer.getData('text/plain')) || dragged;
    if (!card) return;
    var from = card.closest('.column').dataset.column;
    var to = column.dataset.column;
    if (from === to) return;
    column.querySelector('.cards').appendChild(card);
    fetch('/api/board/move', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ card: card.id, from: from, to: to }) })
      .then(function () { document.getElementById('board-status').textContent = 'Moved "' + card.textContent.trim() + '" to ' + column.querySelector('h2').textContent; });
  });
});
`;

function renderBoard(context: SiteContext): void {
  const columns = boardColumns
    .map((column) => {
      const cards = boardCards
        .filter((card) => context.state.boardColumns.get(card.id) === column.id)
        .map((card) => `<div class="card" draggable="true" id="${card.id}">${escapeHtml(card.title)}</div>`)
        .join('\n');
      return `<section class="column" data-column="${column.id}" aria-label="${column.title}"><h2>${column.title}</h2><div class="cards">${cards}</div></section>`;
    })
    .join('\n');
  const body = `<h1>Sprint 14 board</h1>
<p>Drag cards between columns to update their status.</p>
<div class="board">${columns}</div>
<p id="board-status" role="status" aria-live="polite"></p>`;
  sendHtml(context.response, renderPage(context, { title: 'Sprint board – Taskr', brand: 'Taskr', body, style, script: boardScript }));
}

async function moveCard(context: SiteContext): Promise<void> {
  const body = await readJsonObject(context.request);
  const { card, from, to } = body;
  const knownColumn = (value: unknown): value is string => boardColumns.some((column) => column.id === value);
  if (typeof card !== 'string' || !context.state.boardColumns.has(card) || !knownColumn(from) || !knownColumn(to)) {
    sendJson(context.response, { error: 'unknown card or column' }, 400);
    return;
  }
  context.state.boardColumns.set(card, to);
  context.state.records.boardMoves.push({ card, from, to });
  sendJson(context.response, { ok: true });
}

export const boardRoutes: SiteRoute[] = [
  { method: 'GET', path: '/board', handle: renderBoard },
  { method: 'POST', path: '/api/board/move', handle: moveCard },
];
