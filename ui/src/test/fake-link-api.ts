/** A scripted stand-in for the core's link routes, as a `fetch` function (tests only). */
import { vi } from 'vitest';
import type { LinkProvider, LinkStateResponse } from '../link/types';

export interface Call {
  method: string;
  path: string;
  token: string | null;
  body: unknown;
}

export type Reply = { status: number; body: unknown } | Error;

export const oura: LinkProvider = {
  id: 4417, name: 'Oura', slug: 'oura', description: 'Smart ring: sleep, activity and heart rate',
  logo: 'http://127.0.0.1:8484/v2/providers/oura/logo.svg', auth_type: 'oauth',
};
export const withings: LinkProvider = {
  id: 8877, name: 'Withings', slug: 'withings', description: 'Scales and sleep analysers',
  logo: 'http://127.0.0.1:8484/v2/providers/withings/logo.svg', auth_type: 'oauth',
};

export function linkState(partial: Partial<LinkStateResponse> = {}): LinkStateResponse {
  return {
    state: 'created', user_id: 'u-1', provider: null, error_type: null, error: null, redirect_url: null,
    expires_at: '2030-01-01T00:00:00+00:00', ...partial,
  };
}

export const apiError = (status: number, error_type: string, error_message: string): Reply => ({
  status, body: { detail: { error_type, error_message } },
});

/**
 * Routes: `providers`, `start`, `exit` answer with a fixed reply; `state` answers from a queue
 * (the last entry repeats), so a test scripts the heartbeat.
 */
export function fakeLinkApi(opts: {
  providers?: Reply;
  start?: Reply;
  exit?: Reply;
  states?: Reply[];
  /** `GET /v2/team/link/config`; default 404 (an older core: the built-in agreement). */
  config?: Reply;
  consent?: Reply;
} = {}) {
  const calls: Call[] = [];
  const states = [...(opts.states ?? [{ status: 200, body: linkState() }])];
  const reply = (r: Reply): Promise<Response> => {
    if (r instanceof Error) return Promise.reject(r);
    return Promise.resolve(new Response(JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } }));
  };
  const fetchFn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const method = init?.method ?? 'GET';
    calls.push({
      method, path: url.pathname, token: headers.get('x-vital-link-token'),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    });
    switch (`${method} ${url.pathname}`) {
      case 'GET /v2/link/providers':
        return reply(opts.providers ?? { status: 200, body: [oura, withings] });
      case 'POST /v2/link/start':
        return reply(opts.start ?? { status: 200, body: { provider: 'oura', oauth_url: 'http://127.0.0.1:9999/oauth/authorize?state=abc', state: 'pending' } });
      case 'POST /v2/link/exit':
        return reply(opts.exit ?? { status: 200, body: { success: true } });
      case 'GET /v2/team/link/config':
        return reply(opts.config ?? { status: 404, body: { detail: { error_type: 'not_found', error_message: 'no route' } } });
      case 'POST /v2/link/consent':
        return reply(opts.consent ?? { status: 200, body: { success: true, version: '1', accepted_at: '2026-11-20T15:00:00.000Z' } });
      case 'GET /v2/link/state': {
        const r = states.length > 1 ? states.shift()! : states[0];
        return reply(r);
      }
      default:
        return reply({ status: 404, body: { detail: { error_type: 'not_found', error_message: 'no route' } } });
    }
  });
  return {
    fetch: fetchFn as unknown as typeof fetch,
    calls,
    /** Replaces the heartbeat script from now on. */
    setStates(next: Reply[]) {
      states.splice(0, states.length, ...next);
    },
    count: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path).length,
  };
}

export async function until(cond: () => unknown, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector<T>(sel);
