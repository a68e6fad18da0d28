import { randomBytes } from 'node:crypto';
import { accountDisplayName, accountInvoices, fixtureCredentials } from './account-data.js';
import { escapeHtml } from './escape-html.js';
import { sendHtml, sendRedirect } from './http-responses.js';
import { renderPage } from './page-layout.js';
import { readCookies, readForm } from './request-body.js';
import type { SiteContext, SiteRoute } from './site-context.js';

const brand = 'Ledgerly';
const sessionCookieName = 'ledgerly_session';

function loggedInUser(context: SiteContext): string | undefined {
  const token = readCookies(context.request).get(sessionCookieName);
  return token === undefined ? undefined : context.state.sessions.get(token);
}

/** Only local paths are followed after login, so the login page cannot be used as an open redirect. */
function safeNextPath(next: string | undefined): string {
  return next !== undefined && next.startsWith('/') && !next.startsWith('//') ? next : '/account';
}

function renderLoginPage(context: SiteContext, username: string, error: string, next: string): void {
  const body = `<h1>Sign in to Ledgerly</h1>
${error === '' ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="/login" aria-label="Sign in">
  <input type="hidden" name="next" value="${escapeHtml(next)}">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" autocomplete="username" value="${escapeHtml(username)}" required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <p><button type="submit">Sign in</button></p>
</form>
<p><a href="/login#forgot">Forgot your password?</a></p>`;
  sendHtml(context.response, renderPage(context, { title: 'Sign in – Ledgerly', brand, body }));
}

async function submitLogin(context: SiteContext): Promise<void> {
  const form = await readForm(context.request);
  const username = (form.username ?? '').trim();
  const password = form.password ?? '';
  const ok = username === fixtureCredentials.username && password === fixtureCredentials.password;
  const next = safeNextPath(form.next);
  if (!ok) {
    context.state.records.logins.push({ username, password, ok });
    renderLoginPage(context, username, 'Incorrect username or password.', next);
    return;
  }
  const token = randomBytes(16).toString('hex');
  context.state.records.logins.push({ username, password, ok, sessionToken: token });
  context.state.sessions.set(token, username);
  sendRedirect(context.response, next, 303, { 'set-cookie': `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Lax` });
}

function renderAccountPage(context: SiteContext): void {
  const user = loggedInUser(context);
  if (user === undefined) {
    sendRedirect(context.response, `/login?next=${encodeURIComponent('/account')}`);
    return;
  }
  context.state.records.accountViews.push({ username: user, sessionToken: readCookies(context.request).get(sessionCookieName) ?? '' });
  const rows = accountInvoices
    .map((invoice) => `<tr><td>${invoice.number}</td><td>${invoice.date}</td><td>£${invoice.amountGbp.toFixed(2)}</td><td>${invoice.status}</td></tr>`)
    .join('\n');
  const body = `<h1>Welcome back, ${escapeHtml(accountDisplayName)}</h1>
<p>Signed in as <span id="signed-in-user">${escapeHtml(fixtureCredentials.username)}</span>. <a href="/logout">Sign out</a></p>
<h2>Invoices</h2>
<table id="invoices">
<thead><tr><th>Invoice</th><th>Date</th><th>Amount</th><th>Status</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  sendHtml(context.response, renderPage(context, { title: 'Your account – Ledgerly', brand, navigation: [['Account', '/account']], body }));
}

function logout(context: SiteContext): void {
  const token = readCookies(context.request).get(sessionCookieName);
  if (token !== undefined) context.state.sessions.delete(token);
  sendRedirect(context.response, '/login', 302, { 'set-cookie': `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
}

export const loginRoutes: SiteRoute[] = [
  { method: 'GET', path: '/login', handle: (context) => renderLoginPage(context, '', '', safeNextPath(context.url.searchParams.get('next') ?? undefined)) },
  { method: 'POST', path: '/login', handle: submitLogin },
  { method: 'GET', path: '/account', handle: renderAccountPage },
  { method: 'GET', path: '/logout', handle: logout },
];
