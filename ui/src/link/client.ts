/** HTTP client for the link-token-scoped routes of the local API. Never uses Tauri IPC. */
import type { LinkConfig, LinkConsentResponse, LinkProvider, LinkStartResponse, LinkStateResponse } from './types';

/** An error from the local API, or from reaching it (`status` 0). */
export class LinkApiError extends Error {
  readonly status: number;
  readonly errorType: string;

  constructor(status: number, errorType: string, message: string) {
    super(message);
    this.name = 'LinkApiError';
    this.status = status;
    this.errorType = errorType;
  }

  /** Errors about the token itself: trying again with the same token cannot help. */
  get isTokenError(): boolean {
    return TOKEN_ERRORS.has(this.errorType);
  }
}

export const TOKEN_ERRORS = new Set(['invalid_token', 'token_expired', 'token_consumed', 'missing_link_token', 'token_not_validated']);

export interface LinkClient {
  providers(): Promise<LinkProvider[]>;
  start(provider: string): Promise<LinkStartResponse>;
  state(): Promise<LinkStateResponse>;
  exit(): Promise<void>;
  /** `GET /v2/team/link/config`: the study's agreement (text and version) and environment. */
  config(): Promise<LinkConfig>;
  /** `POST /v2/link/consent`: the participant accepted agreement `version`. */
  consent(version: string, via: 'window' | 'link_page'): Promise<LinkConsentResponse>;
}

export function createLinkClient(apiBase: string, token: string, fetchImpl?: typeof fetch): LinkClient {
  const base = apiBase.replace(/\/+$/, '');

  async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'x-vital-link-token': token, accept: 'application/json' };
    // No `cache` option: WebKit may then add Cache-Control/Pragma request headers, which the
    // core's CORS preflight does not allow.
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res: Response;
    try {
      // Looked up at call time (not captured), so a stub installed later is honoured.
      res = await (fetchImpl ? fetchImpl(base + path, init) : fetch(base + path, init));
    } catch (e) {
      throw new LinkApiError(
        0,
        'network_error',
        `Couldn't reach Vital Link on this computer (${base}). Check that the app is still running, then try again.`,
      );
    }
    const text = await res.text().catch(() => '');
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) throw errorFromBody(res.status, data, text);
    if (data === undefined && text) {
      throw new LinkApiError(res.status, 'invalid_response', 'Vital Link answered with something that is not JSON.');
    }
    return data as T;
  }

  return {
    providers: async () => {
      const list = await request<LinkProvider[]>('GET', '/v2/link/providers');
      if (!Array.isArray(list)) throw new LinkApiError(200, 'invalid_response', 'The provider list from Vital Link is not a list.');
      return list;
    },
    start: (provider) => request<LinkStartResponse>('POST', '/v2/link/start', { provider }),
    state: () => request<LinkStateResponse>('GET', '/v2/link/state'),
    exit: async () => {
      await request<unknown>('POST', '/v2/link/exit', {});
    },
    config: async () => {
      const c = await request<LinkConfig>('GET', '/v2/team/link/config');
      if (!c || typeof c.agreement?.text !== 'string' || typeof c.agreement?.version !== 'string') {
        throw new LinkApiError(200, 'invalid_response', 'The study agreement from Vital Link is incomplete.');
      }
      return c;
    },
    consent: (version, via) => request<LinkConsentResponse>('POST', '/v2/link/consent', { version, via }),
  };
}

/**
 * `{"detail": {"error_type", "error_message"}}` is the contract; FastAPI-style `{"detail": "..."}`
 * and validation lists are tolerated so a message is always shown.
 */
export function errorFromBody(status: number, data: unknown, rawText = ''): LinkApiError {
  const detail = (data as { detail?: unknown } | null | undefined)?.detail;
  if (detail && typeof detail === 'object' && !Array.isArray(detail)) {
    const d = detail as { error_type?: unknown; error_message?: unknown; message?: unknown };
    const type = typeof d.error_type === 'string' && d.error_type ? d.error_type : `http_${status}`;
    const msg =
      typeof d.error_message === 'string' && d.error_message
        ? d.error_message
        : typeof d.message === 'string' && d.message
          ? d.message
          : fallbackMessage(status);
    return new LinkApiError(status, type, msg);
  }
  if (typeof detail === 'string' && detail) return new LinkApiError(status, `http_${status}`, detail);
  if (Array.isArray(detail) && detail.length) {
    const first = detail[0] as { msg?: unknown };
    return new LinkApiError(status, `http_${status}`, typeof first?.msg === 'string' ? first.msg : fallbackMessage(status));
  }
  const snippet = rawText.trim().slice(0, 200);
  return new LinkApiError(status, `http_${status}`, snippet && !snippet.startsWith('<') ? snippet : fallbackMessage(status));
}

function fallbackMessage(status: number): string {
  if (status === 401 || status === 403) return 'This link is not valid any more. Create a new one and try again.';
  if (status === 404) return 'Vital Link does not know this request. The app may need an update.';
  if (status >= 500) return 'Vital Link ran into a problem on this computer. Try again in a moment.';
  return `The request failed (HTTP ${status}).`;
}
