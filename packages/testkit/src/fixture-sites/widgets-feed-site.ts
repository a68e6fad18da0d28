import { sendHtml } from './http-responses.js';
import { renderPage } from './page-layout.js';
import type { SiteRoute } from './site-context.js';
import { recordResultScript } from './widget-results.js';
import { svgIcon } from './widgets-icons.js';

/**
 * A social feed: each post has icon-only actions (like, reply, share, more) handled by one
 * listener on the feed; "more" opens a per-post menu that is hidden until then. Likes and menu
 * choices are recorded server-side as `<action>:<post id>`.
 */
const posts = [
  { id: 'p1', author: 'Priya Raman', handle: '@priya', text: 'Finally finished the trail up to the ridge. Worth every step.' },
  { id: 'p2', author: 'Marco Bellini', handle: '@marcob', text: 'Hot take: tabs are better than spaces. Fight me.' },
  { id: 'p3', author: 'Lena Vogt', handle: '@lenav', text: 'Our bakery opens a second shop on Harbour Street next month!' },
];

const style = `
.feed{list-style:none;padding:0;margin:0;width:560px}
.post{background:#fff;border:1px solid #e3e6ea;border-radius:8px;padding:12px 14px;margin-bottom:10px;position:relative}
.post .who{font-weight:600}.post .handle{color:#6b7380;margin-left:6px}
.actions{display:flex;gap:18px;margin-top:8px;color:#6b7380}
.act{display:inline-flex;align-items:center;gap:4px}
.act.liked{color:#e11d48}
.menu{position:absolute;right:12px;top:40px;background:#fff;border:1px solid #d5dae1;border-radius:6px;box-shadow:0 4px 12px #0002;padding:4px 0;display:none;z-index:2}
.menu.open{display:block}
.menu div{padding:6px 14px}
`;

const script = `${recordResultScript}
document.getElementById('feed').addEventListener('click', function (event) {
  var target = event.target.closest('[data-act]');
  if (!target) return;
  var post = target.closest('.post');
  var action = target.dataset.act;
  if (action === 'more') {
    document.querySelectorAll('.menu.open').forEach(function (menu) { if (menu !== post.querySelector('.menu')) menu.classList.remove('open'); });
    post.querySelector('.menu').classList.toggle('open');
    return;
  }
  if (action === 'like') { target.classList.toggle('liked'); target.querySelector('.count').textContent = target.classList.contains('liked') ? '1' : '0'; }
  if (action === 'report' || action === 'mute') { post.querySelector('.menu').classList.remove('open'); post.querySelector('.notice').textContent = action === 'report' ? 'Thanks, we will review this post.' : 'You will see less from this author.'; }
  recordResult('feed', action + ':' + post.dataset.post);
});
`;

const body = `<h1>Home</h1>
<ul class="feed" id="feed">
${posts
  .map(
    (post) => `<li class="post" data-post="${post.id}">
  <div><span class="who">${post.author}</span><span class="handle">${post.handle}</span></div>
  <p>${post.text}</p>
  <div class="actions">
    <span class="act" data-act="like">${svgIcon('heart')}<span class="count">0</span></span>
    <span class="act" data-act="reply">${svgIcon('reply')}</span>
    <span class="act" data-act="share">${svgIcon('share')}</span>
    <span class="act" data-act="more">${svgIcon('dots')}</span>
  </div>
  <div class="menu"><div data-act="report">Report post</div><div data-act="mute">Mute author</div></div>
  <p class="notice"></p>
</li>`,
  )
  .join('\n')}
</ul>`;

export const feedRoutes: SiteRoute[] = [
  {
    method: 'GET',
    path: '/widgets/feed',
    handle: (context) => sendHtml(context.response, renderPage(context, { title: 'Home – Chirp', brand: 'Chirp', body, style, script })),
  },
];
