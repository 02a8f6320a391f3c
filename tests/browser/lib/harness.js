// Shared helpers for the browser tests: the servers run.sh started, the local API, headless
// Chromium, small loopback sites the tests serve themselves, and screenshots.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests with tests/browser/run.sh`);
  return v;
}

/** A `vital-link serve` started by run.sh: `allow` approves the sandbox consent page, `deny` declines it. */
export function server(kind = 'allow') {
  const prefix = kind === 'deny' ? 'VL_DENY' : 'VL';
  return { url: required(`${prefix}_URL`).replace(/\/+$/, ''), key: required(`${prefix}_KEY`) };
}

export const ARTIFACTS = process.env.VL_ARTIFACTS ?? join(process.cwd(), 'artifacts', 'browser');
mkdirSync(ARTIFACTS, { recursive: true });

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The local API with the team API key. */
export async function api(srv, method, path, body) {
  const res = await fetch(srv.url + path, {
    method,
    headers: { 'x-vital-api-key': srv.key, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A new user and a link token for them (`POST /v2/user`, `POST /v2/link/token`). */
export async function linkTokenFor(srv, { redirectUrl, label }) {
  const user = await api(srv, 'POST', '/v2/user', { client_user_id: `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` });
  const body = { user_id: user.user_id };
  if (redirectUrl) body.redirect_url = redirectUrl;
  const tok = await api(srv, 'POST', '/v2/link/token', body);
  assert.match(tok.link_token, /\S/);
  assert.ok(tok.link_web_url.startsWith(`${srv.url}/link/`), tok.link_web_url);
  return { userId: user.user_id, linkToken: tok.link_token, linkWebUrl: tok.link_web_url };
}

/** The user's connections, by slug (`GET /v2/user/providers/{user_id}`). */
export async function connections(srv, userId) {
  const r = await api(srv, 'GET', `/v2/user/providers/${userId}`);
  return Object.fromEntries(r.providers.map((p) => [p.slug, p]));
}

/**
 * Waits until the first sync (historical backfill) of the user's `provider` connection has
 * finished, one way or the other (`GET /v2/introspect/historical_pull`). Returns
 * `{resources: {name: status}, overall}` (`overall` only where the server reports one).
 * Accepts Vital's `UserHistoricalPullsResponse` (`data[].provider[slug].pulled[res].status`)
 * and the earlier flat form (`data[].historical_pulls[res].status`, `data[].status`).
 */
export async function backfillOutcome(srv, userId, provider, timeoutMs = 60_000) {
  const DONE = new Set(['success', 'failure', 'error']);
  const BUSY = new Set(['in_progress', 'scheduled', 'syncing', 'pending']);
  const end = Date.now() + timeoutMs;
  let last = {};
  for (;;) {
    const r = await api(srv, 'GET', `/v2/introspect/historical_pull?user_id=${encodeURIComponent(userId)}`);
    const items = (r.data ?? []).filter((d) => d.user_id === userId);
    const nested = items.find((d) => d.provider && typeof d.provider === 'object')?.provider?.[provider];
    const flat = items.find((d) => d.provider === provider);
    const pulled = nested?.pulled ?? flat?.historical_pulls ?? {};
    const resources = Object.fromEntries(Object.entries(pulled).map(([k, v]) => [k, v.status]));
    last = { resources, overall: flat?.status };
    const statuses = Object.values(resources);
    if (statuses.length > 0 && statuses.every((s) => DONE.has(s)) && !BUSY.has(last.overall)) return last;
    if (Date.now() > end) throw new Error(`the ${provider} backfill did not finish within ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

/**
 * Headless Chromium (the system's, never a downloaded one) with a fresh profile. Host names other
 * than 127.0.0.1 do not resolve, so nothing can reach the network; the tests also watch requests.
 */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'vl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const requests = [];
  context.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return {
    context,
    page,
    requests,
    consoleErrors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** URLs on hosts other than 127.0.0.1 that any page, frame or script of the context asked for. */
export function foreignRequests(requests) {
  return requests.map((r) => r.url).filter((u) => {
    const url = new URL(u);
    if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return false;
    return url.hostname !== '127.0.0.1';
  });
}

/**
 * A tiny site on its own loopback port. `routes` maps a path to
 * `(req, url) => ({status?, type?, body, delayMs?})`; anything else is a 404.
 */
export async function site(routes) {
  const hits = [];
  const srv = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.push(url.pathname + url.search);
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const r = await route(req, url);
    if (r.delayMs) await new Promise((ok) => setTimeout(ok, r.delayMs));
    res.writeHead(r.status ?? 200, { 'content-type': r.type ?? 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(r.body);
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  const { port } = srv.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () => new Promise((ok) => srv.close(() => ok())),
  };
}

/**
 * Records each result screen of the link widget (in any page or frame of the context) as it
 * appears: `{state, title, code, redirecting}`. The standalone page navigates away right after
 * its result screen, and Playwright's locators wait for such a navigation to finish, so the
 * screen is reported from inside the page instead.
 */
export async function watchResultScreens(context) {
  const seen = [];
  await context.exposeBinding('__vlTestResultScreen', (_source, info) => {
    seen.push(info);
  });
  await context.addInitScript(() => {
    const reported = new WeakSet();
    new MutationObserver(() => {
      const r = document.querySelector('#link-result');
      if (!r || reported.has(r)) return;
      reported.add(r);
      window.__vlTestResultScreen?.({
        state: r.getAttribute('data-state'),
        title: document.querySelector('#result-title')?.textContent ?? null,
        code: document.querySelector('#result-code')?.textContent ?? null,
        redirecting: !!document.querySelector('#link-redirecting'),
      });
    }).observe(document, { childList: true, subtree: true });
  });
  return {
    seen,
    async waitFor(pred, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = seen.find(pred);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no such result screen within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`);
        await new Promise((ok) => setTimeout(ok, 50));
      }
    },
  };
}

/** A screenshot under artifacts/browser/, after the thing it shows is visible. */
export async function shot(page, name, visible) {
  if (visible) await visible.waitFor({ state: 'visible' });
  // Let entrance animations (≤ 0.2 s) finish.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/**
 * A screenshot of what is on screen now, while a navigation is pending (page.screenshot would
 * wait for it to finish): straight from the DevTools protocol.
 */
export async function shotNow(page, name) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { data } = await cdp.send('Page.captureScreenshot', { format: 'png' });
    writeFileSync(join(ARTIFACTS, `${name}.png`), Buffer.from(data, 'base64'));
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

export const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
