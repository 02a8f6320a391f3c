import { describe, expect, it, vi } from 'vitest';
import { createLinkClient, errorFromBody, LinkApiError } from './client';
import { apiError, fakeLinkApi, linkState, oura } from '../test/fake-link-api';

describe('link HTTP client', () => {
  it('sends the link token header to the API base and parses JSON', async () => {
    const api = fakeLinkApi({ states: [{ status: 200, body: linkState({ state: 'pending', provider: 'oura' }) }] });
    const c = createLinkClient('http://127.0.0.1:8484/', 'vlt_abc', api.fetch);
    await expect(c.providers()).resolves.toEqual([oura, expect.objectContaining({ slug: 'withings' })]);
    await expect(c.state()).resolves.toMatchObject({ state: 'pending', provider: 'oura' });
    await c.start('oura');
    await c.exit();
    expect(api.calls.map((x) => `${x.method} ${x.path}`)).toEqual([
      'GET /v2/link/providers',
      'GET /v2/link/state',
      'POST /v2/link/start',
      'POST /v2/link/exit',
    ]);
    expect(api.calls.every((x) => x.token === 'vlt_abc')).toBe(true);
    expect(api.calls[2].body).toEqual({ provider: 'oura' });
    const [url] = (api.fetch as unknown as ReturnType<typeof vi.fn>).mock.calls[0];
    expect(url).toBe('http://127.0.0.1:8484/v2/link/providers');
  });

  it('turns the core error body into a typed error with the human message', async () => {
    const api = fakeLinkApi({ providers: apiError(401, 'token_expired', 'this link token has expired (tokens last 60 minutes); create a new one') });
    const c = createLinkClient('http://127.0.0.1:8484', 't', api.fetch);
    const err = await c.providers().catch((e) => e);
    expect(err).toBeInstanceOf(LinkApiError);
    expect(err.status).toBe(401);
    expect(err.errorType).toBe('token_expired');
    expect(err.message).toMatch(/has expired/);
    expect(err.isTokenError).toBe(true);
  });

  it('reports an unreachable API as network_error (status 0)', async () => {
    const api = fakeLinkApi({ start: new TypeError('Failed to fetch') });
    const err = await createLinkClient('http://127.0.0.1:1', 't', api.fetch).start('oura').catch((e) => e);
    expect(err).toMatchObject({ status: 0, errorType: 'network_error' });
    expect(err.message).toMatch(/Couldn't reach Vital Link/);
  });

  it('uses the global fetch at call time when none is injected', async () => {
    const api = fakeLinkApi();
    vi.stubGlobal('fetch', api.fetch);
    try {
      await createLinkClient('http://127.0.0.1:8484', 't').state();
      expect(api.calls).toHaveLength(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('tolerates other error bodies', () => {
    expect(errorFromBody(400, { detail: 'bad thing' })).toMatchObject({ errorType: 'http_400', message: 'bad thing' });
    expect(errorFromBody(422, { detail: [{ msg: 'field required' }] })).toMatchObject({ errorType: 'http_422', message: 'field required' });
    expect(errorFromBody(502, undefined, '<html>Bad gateway</html>').message).toMatch(/ran into a problem/);
    expect(errorFromBody(500, { detail: { error_type: 'internal' } })).toMatchObject({ errorType: 'internal' });
  });
});
