// The https forwarding page (docs/forwarder/index.html), as a provider's redirect lands on it in
// a real browser: with its own CSP, it sends the code and state on to the loopback listener whose
// port rides in `state`, and refuses anything else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { launch, shot, site } from './lib/harness.js';

const PAGE = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'forwarder', 'index.html'), 'utf8');

test('the forwarding page hands the code to the loopback listener named in state', async () => {
  const listener = await site({ '/callback': async () => ({ body: '<title>You can return to Vital Link</title>' }) });
  const host = await site({ '/forward': async () => ({ body: PAGE }) });
  const b = await launch();
  try {
    const page = b.page;
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${host.url}/forward?code=the-code&state=${listener.port}~r4nd0m&scope=read`);
    await page.waitForURL(`http://127.0.0.1:${listener.port}/callback**`);
    const callbacks = () => listener.hits.filter((h) => h.startsWith('/callback'));
    assert.deepEqual(callbacks(), [`/callback?code=the-code&state=${listener.port}~r4nd0m&scope=read`]);
    assert.deepEqual(errors, [], 'the inline script runs under the page CSP');

    await page.goto(`${host.url}/forward?code=x&state=evil.example~1`);
    await page.waitForFunction(() => document.getElementById('title').textContent.includes('not for Vital Link'));
    await shot(page, 'forwarder-refused');
    assert.equal(callbacks().length, 1, 'nothing forwarded for a state without a port');
  } finally {
    await b.close();
    await listener.close();
    await host.close();
  }
});
