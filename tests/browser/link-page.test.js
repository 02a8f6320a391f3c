// The standalone link page (`link_web_url`) in headless Chromium, against a running server whose
// $BROWSER is the sandbox browser: it approves (or, on the `deny` server, declines) the fake
// provider's consent page when the core opens the sign-in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backfillOutcome, connections, escapeHtml, foreignRequests, launch, linkTokenFor, server, shot, shotNow, site, watchResultScreens } from './lib/harness.js';

/** Where `redirect_url` points: a page of the test's own, answered slowly so the result screen can be seen first. */
async function returnSite() {
  return site({
    '/done': (_req, url) => ({
      delayMs: 1500,
      body: `<!doctype html><meta charset="utf-8"><title>Study page</title>
<body style="font:16px system-ui;padding:40px"><h1 id="returned">Back at the study page</h1>
<p>The link page returned with:</p><pre id="query" style="white-space:pre-wrap;overflow-wrap:anywhere">${escapeHtml(url.search)}</pre></body>`,
    }),
  });
}

describe('link page in a browser tab', () => {
  let browser;
  let back;
  let screens;

  before(async () => {
    browser = await launch();
    back = await returnSite();
    screens = await watchResultScreens(browser.context);
  });

  after(async () => {
    await browser?.close();
    await back?.close();
  });

  it('connects Oura (sandbox) and lands on redirect_url with state=success&provider=oura', async () => {
    const srv = server('allow');
    const { page } = browser;
    const { userId, linkWebUrl } = await linkTokenFor(srv, { redirectUrl: `${back.url}/done`, label: 'tab-allow' });

    await page.goto(linkWebUrl);
    await shot(page, 'a1-agreement', page.locator('#agreement'));
    assert.match(await page.locator('.vlink-env').innerText(), /sandbox/i);

    await page.click('#agree-continue');
    await shot(page, 'a2-providers', page.locator('.provider[data-slug="oura"]'));

    const leaving = page.waitForRequest((r) => r.url().startsWith(`${back.url}/done`), { timeout: 20_000 });
    await page.click('.provider[data-slug="oura"]');
    // The core runs $BROWSER (the sandbox browser), which approves; the page's heartbeat sees it,
    // shows the result and heads for redirect_url (answered 1.5 s late, so the screen stays up).
    const screen = await screens.waitFor((s) => s.state === 'success' && s.redirecting);
    await leaving;
    await new Promise((ok) => setTimeout(ok, 300));
    await shotNow(page, 'a3-success');
    assert.match(screen.title, /Oura.* is connected/);

    await page.waitForURL((u) => u.pathname === '/done', { timeout: 15_000 });
    await shot(page, 'a4-redirect-success', page.locator('#returned'));
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('state'), 'success');
    assert.equal(q.get('provider'), 'oura');
    assert.equal(q.get('error_type'), null);

    // Connected, and its first sync (the backfill the core starts on connecting) went through.
    const backfill = await backfillOutcome(srv, userId, 'oura');
    const conns = await connections(srv, userId);
    assert.ok(conns.oura, `oura is among the user's providers: ${JSON.stringify(conns)}`);
    assert.equal(conns.oura.status, 'connected', JSON.stringify(conns.oura));
    assert.ok(Object.values(backfill.resources).every((s) => s === 'success'), `backfill: ${JSON.stringify(backfill)}`);
    assert.notEqual(backfill.overall, 'error', `backfill: ${JSON.stringify(backfill)}`);
    assert.deepEqual(foreignRequests(browser.requests), []);
  });

  it('declined consent lands on redirect_url with state=error&error_type=user_cancelled', async () => {
    const srv = server('deny');
    const { page } = browser;
    const { userId, linkWebUrl } = await linkTokenFor(srv, { redirectUrl: `${back.url}/done?study=42`, label: 'tab-deny' });

    await page.goto(linkWebUrl);
    await page.locator('#agreement').waitFor();
    await page.click('#agree-continue');
    const leaving = page.waitForRequest((r) => r.url().startsWith(`${back.url}/done`), { timeout: 20_000 });
    await page.click('.provider[data-slug="oura"]');
    const screen = await screens.waitFor((s) => s.state === 'exit' && s.redirecting);
    await leaving;
    await new Promise((ok) => setTimeout(ok, 300));
    await shotNow(page, 'a5-declined');
    assert.equal(screen.code, 'user_cancelled');

    await page.waitForURL((u) => u.pathname === '/done', { timeout: 15_000 });
    await shot(page, 'a6-redirect-declined', page.locator('#returned'));
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('study'), '42', 'the redirect_url query is kept');
    assert.equal(q.get('state'), 'error');
    assert.equal(q.get('error_type'), 'user_cancelled');
    assert.equal(q.get('provider'), 'oura');
    assert.ok(q.get('error'), 'a human-readable error is included');

    const conns = await connections(srv, userId);
    assert.ok(!conns.oura || conns.oura.status !== 'connected', `oura is not connected: ${JSON.stringify(conns)}`);
  });

  it('an invalid token shows "This link can’t be used" (and so does a missing one)', async () => {
    const srv = server('allow');
    const { page } = browser;
    await page.goto(`${srv.url}/link/?token=vlt_this_token_does_not_exist&env=sandbox`);
    const result = page.locator('#link-result[data-state="error"]');
    await shot(page, 'c1-invalid-token', result);
    assert.equal(await page.locator('#result-title').innerText(), 'This link can’t be used');
    assert.equal(await page.locator('#result-code').innerText(), 'invalid_token');
    assert.equal(await page.locator('#link-retry').count(), 0, 'no retry for a token that cannot work');

    await page.goto(`${srv.url}/link/?env=sandbox`);
    await shot(page, 'c2-missing-token', result);
    assert.equal(await page.locator('#result-title').innerText(), 'This link can’t be used');
    assert.equal(await page.locator('#result-code').innerText(), 'missing_link_token');
  });
});
