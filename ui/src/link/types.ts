/** The link widget's view of the local API (link-token-scoped routes). */

/** One item of `GET /v2/link/providers` (Vital's `SourceLink`). */
export interface LinkProvider {
  id: number;
  name: string;
  slug: string;
  description: string;
  /** Absolute URL of an SVG tile. */
  logo: string;
  auth_type?: string | null;
  oauth_url?: string | null;
  backfill_num_days?: number | null;
  /** False when the provider cannot be connected here; the two fields below say why. */
  is_active?: boolean;
  /** `not_available` when the provider's terms or access programme block a desktop app. */
  availability?: { state: 'available' } | { state: 'not_available'; reason: string };
  /** Production without the study's own developer credentials for this provider. */
  needs_credentials?: boolean;
  [key: string]: unknown;
}

/** `POST /v2/link/start` */
export interface LinkStartResponse {
  provider: string;
  oauth_url: string;
  state: string;
}

export type LinkSessionState = 'created' | 'pending' | 'success' | 'error' | 'exited';

/** `GET /v2/link/state` (the heartbeat). */
export interface LinkStateResponse {
  state: LinkSessionState | string;
  user_id?: string;
  provider: string | null;
  error_type: string | null;
  error: string | null;
  redirect_url: string | null;
  expires_at?: string;
}

/** `GET /v2/team/link/config` */
export interface LinkConfig {
  agreement: { version: string; text: string };
  environment?: string;
}

/** `POST /v2/link/consent` */
export interface LinkConsentResponse {
  success: boolean;
  version: string;
  accepted_at: string;
}

export interface LinkSuccessPayload {
  state: 'success';
  provider: string;
  link_token: string;
}

export interface LinkExitPayload {
  state: 'exit';
  error_type: 'user_cancelled';
  provider: string | null;
}

export interface LinkErrorPayload {
  state: 'error';
  error_type: string;
  error: string;
  provider: string | null;
}

export interface LinkWidgetOptions {
  token: string;
  /** Origin of the local API, e.g. `http://127.0.0.1:8484` (no trailing slash needed). */
  apiBase: string;
  /** `sandbox` shows a badge and a note that a test sign-in page opens. */
  env?: string | null;
  onSuccess?: (p: LinkSuccessPayload) => void;
  onExit?: (p: LinkExitPayload) => void;
  onError?: (p: LinkErrorPayload) => void;
  /** The widget was dismissed (Done, Close, ×, Escape); fires after any onExit. */
  onClose?: () => void;
  /**
   * `overlay` (default): a modal over the host page, mounted on `open()`.
   * `page`: fills `container` (the standalone link page in a browser tab).
   * `embedded`: fills `container` like `page`, but is dismissed like `overlay` (×, Escape,
   * Done end it with onExit/onClose): the link page inside the `window.Vital` runtime's frame.
   */
  mode?: 'overlay' | 'page' | 'embedded';
  container?: HTMLElement;
  /** Standalone page: navigate to the token's `redirect_url` once the flow settles. */
  followRedirect?: boolean;
  /**
   * How the acceptance of the agreement is recorded (`POST /v2/link/consent {version, via}`):
   * `window` inside the desktop console, `link_page` in a browser (the default).
   */
  consentVia?: 'window' | 'link_page';
  /**
   * The participant being connected (their study id), when the host knows it: the agreement
   * names them, so the wrong row is easy to notice on a shared lab computer.
   */
  participant?: string | null;
  /** Heartbeat interval while waiting for the browser, ms (default 700). */
  pollIntervalMs?: number;
  /** Show this error instead of starting (e.g. the standalone page was opened without a token). */
  initialError?: { errorType: string; message: string; retryable: boolean };
  /** Injection points for tests. */
  fetch?: typeof fetch;
  navigate?: (url: string) => void;
}
