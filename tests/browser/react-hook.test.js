// A React 18 page using the real `@tryvital/vital-link` hook (npm, 0.1.7) against the server's
// `/initialize.js`: its index.html loads `<script src="http://127.0.0.1:PORT/initialize.js">`
// before the app bundle, and nothing else changes in the app.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { backfillOutcome, connections, foreignRequests, launch, linkTokenFor, server, shot, site } from './lib/harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const FRAME = 'iframe[data-vital-link-desktop="frame"]';

async function bundleApp() {
  const out = await build({
    entryPoints: [join(here, 'react-app', 'app.jsx')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

describe('@tryvital/vital-link hook against /initialize.js', () => {
  const srv = server('allow');
  let browser;
  let app;

  before(async () => {
    const js = await bundleApp();
    const html = readFileSync(join(here, 'react-app', 'index.html'), 'utf8').replaceAll('__VITAL_LINK_ORIGIN__', srv.url);
    app = await site({
      '/': () => ({ body: html }),
      '/app.js': () => ({ type: 'text/javascript; charset=utf-8', body: js }),
      '/should-not-be-visited': () => ({ body: 'the embedded link page followed redirect_url' }),
    });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const events = (page) => page.evaluate(() => window.__vitalEvents);

  it('open(link_token) shows the local widget over the app; onSuccess gets {state, provider, link_token}', async () => {
    const { page } = browser;
    const { userId, linkToken } = await linkTokenFor(srv, { redirectUrl: `${app.url}/should-not-be-visited`, label: 'hook-ok' });

    await page.goto(`${app.url}/?token=${encodeURIComponent(linkToken)}`);
    await page.locator('#connect:enabled').waitFor();
    const setup = await page.evaluate(() => ({
      desktop: window.Vital?.vitalLinkDesktop === true,
      origin: window.Vital?.origin,
      markers: [...document.querySelectorAll('script[src="https://link.tryvital.io/initialize.js"]')].map((s) => s.type),
    }));
    assert.deepEqual(setup, { desktop: true, origin: srv.url, markers: ['text/plain'] });
    assert.deepEqual((await events(page)).map((e) => e.name), ['onLoad']);
    await shot(page, 'b1-app', page.locator('#status:text("ready")'));

    await page.click('#connect');
    const frameEl = page.locator(FRAME);
    const frame = page.frameLocator(FRAME);
    await shot(page, 'b2-overlay-agreement', frame.locator('#agreement'));
    const src = new URL(await frameEl.getAttribute('src'));
    assert.equal(src.origin + src.pathname, `${srv.url}/link/`);
    assert.equal(src.searchParams.get('token'), linkToken);
    assert.equal(src.searchParams.get('env'), 'sandbox');
    assert.equal(src.searchParams.get('embed'), '1');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'IFRAME', 'focus is in the widget');
    assert.equal(await page.evaluate(() => document.getElementById('root').inert), true, 'the app behind is inert');
    assert.match(await frame.locator('.vlink-env').innerText(), /sandbox/i);

    await frame.locator('#agree-continue').click();
    await shot(page, 'b3-overlay-providers', frame.locator('.provider[data-slug="oura"]'));
    await frame.locator('.provider[data-slug="oura"]').click();
    // The core runs $BROWSER (the sandbox browser), which approves.
    await shot(page, 'b4-overlay-success', frame.locator('#link-result[data-state="success"]'));

    await page.locator('#result[data-callback="onSuccess"]').waitFor();
    const rendered = await page.locator('#result').innerText();
    const metadata = JSON.parse(rendered.replace(/^onSuccess\(/, '').replace(/\)$/, ''));
    assert.deepEqual(metadata, { state: 'success', provider: 'oura', link_token: linkToken });
    assert.deepEqual((await events(page)).map((e) => e.name), ['onLoad', 'onSuccess']);

    // Done closes the overlay; the app is usable again.
    await frame.locator('#link-done').click();
    await frameEl.waitFor({ state: 'detached' });
    await shot(page, 'b5-app-after-success', page.locator('#result'));
    assert.equal(await page.evaluate(() => document.getElementById('root').inert), false);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'connect', 'focus returns to the button');

    assert.ok(!app.hits.includes('/should-not-be-visited'), 'the embedded page does not follow redirect_url');
    const backfill = await backfillOutcome(srv, userId, 'oura');
    const conns = await connections(srv, userId);
    assert.equal(conns.oura?.status, 'connected', JSON.stringify(conns));
    assert.ok(Object.values(backfill.resources).every((s) => s === 'success'), `backfill: ${JSON.stringify(backfill)}`);
    assert.notEqual(backfill.overall, 'error', `backfill: ${JSON.stringify(backfill)}`);

    const urls = browser.requests.map((r) => r.url);
    assert.ok(urls.includes(`${srv.url}/initialize.js`));
    assert.ok(!urls.some((u) => u.includes('tryvital.io')), 'the remote runtime is never fetched');
    assert.deepEqual(foreignRequests(browser.requests), [], 'nothing fetched from hosts other than 127.0.0.1');
  });

  it('Escape closes it with onExit; Tab stays inside; unmounting while open exits and cleans up', async () => {
    const { page } = browser;
    const { linkToken } = await linkTokenFor(srv, { label: 'hook-exit' });
    browser.requests.length = 0;
    await page.goto(`${app.url}/?token=${encodeURIComponent(linkToken)}`);
    await page.locator('#connect:enabled').click();
    const frameEl = page.locator(FRAME);
    const frame = page.frameLocator(FRAME);
    await frame.locator('#agreement').waitFor();

    await page.keyboard.press('Escape');
    await frameEl.waitFor({ state: 'detached' });
    await page.locator('#result[data-callback="onExit"]').waitFor();
    let ev = await events(page);
    assert.deepEqual(ev.map((e) => e.name), ['onLoad', 'onExit']);
    assert.deepEqual(ev[1].metadata, { state: 'exit', error_type: 'user_cancelled', provider: null });
    await shot(page, 'b6-app-after-escape', page.locator('#result'));

    // Reopen: Tab cycles through the widget and never reaches the app behind it.
    await page.click('#connect');
    await frame.locator('#agreement').waitFor();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'IFRAME', `Tab ${i + 1} stays in the widget`);
    }
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'IFRAME');

    // The hook's clean-up on unmount: exit({force: true}) → onExit → destroy().
    await page.evaluate(() => window.__unmountConnect());
    await frameEl.waitFor({ state: 'detached' });
    await page.locator('#unmounted').waitFor();
    ev = await events(page);
    assert.deepEqual(ev.map((e) => e.name), ['onLoad', 'onExit', 'onExit']);
    assert.equal(await page.evaluate(() => document.getElementById('root').inert), false);
    const exits = browser.requests.filter((r) => r.method === 'POST' && r.url === `${srv.url}/v2/link/exit`);
    assert.equal(exits.length, 2, 'each close told the core (POST /v2/link/exit)');
    assert.deepEqual(foreignRequests(browser.requests), []);
  });
});
