/** Renders one screen of the link widget. Pure DOM building; actions are passed in. */
import { h, svg } from '../shared/dom';
import { brandMark, icons } from '../shared/icons';
import type { Screen } from './machine';
import { explain } from '../shared/messages';
import { providerName } from '../shared/providers';
import type { LinkProvider } from './types';

export interface ViewActions {
  agree(): void;
  choose(p: LinkProvider): void;
  cancel(): void;
  retry(): void;
  done(): void;
}

export interface ViewContext {
  sandbox: boolean;
  /** Display names by slug, for the result screen. */
  names: Map<string, string>;
  logos: Map<string, string>;
  /** True once the flow settled and the host will navigate away (standalone page + redirect_url). */
  redirecting: boolean;
  /** The study's agreement from `/v2/team/link/config`; null: the built-in text. */
  agreement?: { version: string; text: string } | null;
  /** "Agree and continue" is recording the acceptance. */
  agreeBusy?: boolean;
  /** Why recording the acceptance failed. */
  agreeError?: string | null;
  /** The participant being connected (study id), when the host knows it. */
  participant?: string | null;
}

/** "Connecting a device for participant P-001", or nothing when the widget does not know. */
function forParticipant(ctx: ViewContext): HTMLElement | null {
  if (!ctx.participant) return null;
  return h('p', { class: 'vlink-for', id: 'agreement-participant' },
    'Connecting a device for participant ',
    h('strong', { class: 'vlink-for-id', title: ctx.participant }, ctx.participant));
}

const PASSWORD_SENTENCE = 'You sign in on your provider’s own page; this app never sees your password.';

/** Whether the study's text already says the password sentence (it then is not repeated). */
export function mentionsPassword(text: string): boolean {
  return /never sees your password/i.test(text.replace(/[’']/g, "'"));
}

const SEARCH_THRESHOLD = 6;

export function renderScreen(screen: Screen, ctx: ViewContext, act: ViewActions): HTMLElement {
  switch (screen.name) {
    case 'loading':
      return h('div', { class: 'vlink-screen vlink-center', id: 'link-loading', 'aria-busy': 'true' },
        h('span', { class: 'vl-spinner vlink-spinner-lg' }),
        h('p', { class: 'vlink-muted' }, 'Loading…'));
    case 'agreement':
      return agreement(ctx, act);
    case 'providers':
      return providerList(screen.providers, act);
    case 'starting':
    case 'authenticating':
      return authenticating(screen, ctx, act);
    case 'result':
      return result(screen, ctx, act);
  }
}

function agreement(ctx: ViewContext, act: ViewActions): HTMLElement {
  if (ctx.agreement) return studyAgreement(ctx.agreement, ctx, act);
  const item = (icon: string, title: string, text: string) =>
    h('li', {},
      h('span', { class: 'vlink-bullet-icon' }, svg(icon)),
      h('div', {}, h('strong', {}, title), h('p', {}, text)));
  return h('section', { class: 'vlink-screen', id: 'agreement', 'aria-labelledby': 'agreement-title' },
    h('div', { class: 'vlink-hero' },
      h('span', { class: 'vlink-hero-tile' }, svg(brandMark)),
      h('span', { class: 'vlink-hero-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
      h('span', { class: 'vlink-hero-tile neutral' }, svg(icons.watch))),
    h('h1', { class: 'vlink-title', id: 'agreement-title' }, 'Connect your wearable'),
    forParticipant(ctx),
    h('p', { class: 'vlink-lead' },
      'Vital Link Desktop will connect to your wearable account and store a copy of your data locally on this computer.'),
    h('ul', { class: 'vlink-bullets' },
      item(icons.pulse, 'What it reads',
        'Your sleep, activity, workouts and heart rate (including heart-rate variability), for recent history and then as new data arrives.'),
      item(icons.computer, 'Where it goes',
        'The data is stored locally on this computer. You sign in on your provider’s own page; this app never sees your password.'),
      item(icons.shield, 'You stay in control',
        'You can disconnect at any time. Your account with the provider is not changed.')),
    ctx.sandbox ? h('p', { class: 'vlink-note' }, 'Sandbox: you will sign in to a test account. No real device data is used.') : null,
    h('button', { class: 'vl-btn primary block', id: 'agree-continue', type: 'button', onclick: () => act.agree() }, 'Agree and continue'),
    h('p', { class: 'vlink-fineprint' }, 'By continuing you allow Vital Link Desktop to read the data listed above from the account you connect.'));
}

/** The study's own agreement text (set by the researcher), with its version. */
function studyAgreement(a: { version: string; text: string }, ctx: ViewContext, act: ViewActions): HTMLElement {
  const paragraphs = a.text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  return h('section', { class: 'vlink-screen', id: 'agreement', 'aria-labelledby': 'agreement-title', 'data-version': a.version },
    h('div', { class: 'vlink-hero' },
      h('span', { class: 'vlink-hero-tile' }, svg(brandMark)),
      h('span', { class: 'vlink-hero-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
      h('span', { class: 'vlink-hero-tile neutral' }, svg(icons.watch))),
    h('h1', { class: 'vlink-title', id: 'agreement-title' }, 'Connect your wearable'),
    forParticipant(ctx),
    h('p', { class: 'vlink-lead' }, mentionsPassword(a.text) ? 'Please read the study’s agreement.' : `Please read the study’s agreement. ${PASSWORD_SENTENCE}`),
    h('div', { class: 'vlink-agreement', id: 'agreement-text', tabindex: '0', role: 'document', 'aria-label': 'Study agreement' },
      paragraphs.map((p) => h('p', {}, p))),
    h('p', { class: 'vlink-agreement-version', id: 'agreement-version' }, `Agreement version ${a.version}`),
    ctx.sandbox ? h('p', { class: 'vlink-note' }, 'Sandbox: you will sign in to a test account. No real device data is used.') : null,
    ctx.agreeError ? h('p', { class: 'vlink-error', id: 'agree-error', role: 'alert' }, ctx.agreeError) : null,
    h('button', {
      class: 'vl-btn primary block', id: 'agree-continue', type: 'button', disabled: !!ctx.agreeBusy,
      'aria-busy': ctx.agreeBusy ? 'true' : undefined, onclick: () => act.agree(),
    }, ctx.agreeBusy ? h('span', { class: 'vl-spinner' }) : null, 'Agree and continue'),
    h('p', { class: 'vlink-fineprint' }, 'Your acceptance of this version is recorded with the time, for the study team.'));
}

/** Why a listed provider cannot be chosen here, or null when it can. */
export function unavailableReason(p: LinkProvider): string | null {
  if (p.availability?.state === 'not_available') return `Not available: ${p.availability.reason}`;
  if (p.needs_credentials) return 'Needs the study’s developer credentials for this provider (Settings → Providers).';
  if (p.is_active === false) return 'Not available for this link.';
  return null;
}

function providerList(providers: LinkProvider[] | null, act: ViewActions): HTMLElement {
  const section = h('section', { class: 'vlink-screen', id: 'provider-list', 'aria-labelledby': 'provider-list-title' },
    h('h1', { class: 'vlink-title', id: 'provider-list-title' }, 'Choose your device'),
    h('p', { class: 'vlink-lead' }, 'Select the service your wearable syncs to.'));
  if (providers === null) {
    section.setAttribute('aria-busy', 'true');
    section.append(h('div', { class: 'vlink-center vlink-pad' }, h('span', { class: 'vl-spinner' })));
    return section;
  }
  if (providers.length === 0) {
    section.append(h('p', { class: 'vlink-empty' }, 'No providers are available for this link. Ask the study team for a new link.'));
    return section;
  }
  const list = h('div', { class: 'vlink-providers' });
  for (const p of providers) {
    const blocked = unavailableReason(p);
    const noteId = blocked ? `provider-note-${p.slug}` : null;
    list.append(
      h('button', {
        class: blocked ? 'provider is-unavailable' : 'provider', type: 'button', 'data-slug': p.slug,
        'data-search': `${p.name} ${p.slug} ${p.description ?? ''}`.toLowerCase(),
        disabled: blocked !== null,
        'aria-describedby': noteId,
        onclick: () => act.choose(p),
      },
      h('img', { class: 'provider-logo', src: p.logo, alt: '', width: 40, height: 40, decoding: 'async' }),
      h('span', { class: 'provider-text' },
        h('span', { class: 'provider-name' }, p.name),
        blocked
          ? h('span', { class: 'provider-note', id: noteId, title: blocked }, blocked)
          : p.description ? h('span', { class: 'provider-desc' }, p.description) : null),
      blocked ? null : h('span', { class: 'provider-chevron' }, svg(icons.chevron))),
    );
  }
  if (providers.length > SEARCH_THRESHOLD) {
    const empty = h('p', { class: 'vlink-empty', hidden: true }, 'No provider matches your search.');
    const input = h('input', {
      class: 'vl-input vlink-search-input', id: 'provider-search', type: 'search',
      placeholder: 'Search providers', 'aria-label': 'Search providers', autocomplete: 'off',
    });
    input.addEventListener('input', () => {
      const q = input.value.trim().toLowerCase();
      let shown = 0;
      for (const b of list.querySelectorAll<HTMLElement>('.provider')) {
        const match = !q || (b.dataset.search ?? '').includes(q);
        b.hidden = !match;
        if (match) shown++;
      }
      empty.hidden = shown > 0;
    });
    section.append(h('label', { class: 'vlink-search' }, svg(icons.search), input), list, empty);
  } else {
    section.append(list);
  }
  return section;
}

function authenticating(screen: Extract<Screen, { name: 'starting' | 'authenticating' }>, ctx: ViewContext, act: ViewActions): HTMLElement {
  const p = screen.provider;
  const starting = screen.name === 'starting';
  const cancelling = screen.name === 'authenticating' && screen.cancelling;
  const oauthUrl = screen.name === 'authenticating' ? screen.oauthUrl : null;
  const signin = h('a', {
    id: 'open-signin', class: 'vlink-link', target: '_blank', rel: 'noopener noreferrer',
    href: oauthUrl ?? undefined, 'aria-disabled': oauthUrl ? undefined : 'true',
  }, 'Open the sign-in page');
  return h('section', { class: 'vlink-screen vlink-center', id: 'authenticating', 'aria-live': 'polite', 'aria-busy': 'true' },
    h('div', { class: 'vlink-wait' },
      h('span', { class: 'vlink-wait-ring', 'aria-hidden': 'true' }),
      p.logo ? h('img', { class: 'vlink-wait-logo', src: p.logo, alt: p.name, width: 56, height: 56 })
        : h('span', { class: 'vlink-wait-logo vlink-wait-initial' }, p.name.charAt(0))),
    h('h1', { class: 'vlink-title' },
      starting ? `Opening ${p.name} in your browser…` : 'Waiting for you to approve in your browser'),
    h('p', { class: 'vlink-lead' },
      `Sign in to ${p.name} on the page that opened in your web browser and allow access. This window updates by itself when you are done.`),
    ctx.sandbox ? h('p', { class: 'vlink-note' }, 'Sandbox: the sign-in page is a test page on this computer.') : null,
    h('button', {
      class: 'vl-btn', id: 'cancel-auth', type: 'button', disabled: starting || cancelling,
      onclick: () => act.cancel(),
    }, cancelling ? 'Cancelling…' : 'Cancel'),
    oauthUrl || starting
      ? h('p', { class: 'vlink-small' }, 'Browser didn’t open? ', signin)
      : h('p', { class: 'vlink-small' }, 'Use the sign-in page already open in your browser, or cancel and start again.'));
}

function result(screen: Extract<Screen, { name: 'result' }>, ctx: ViewContext, act: ViewActions): HTMLElement {
  const name = screen.provider ? providerName(screen.provider) : null;
  const logo = screen.provider ? ctx.logos.get(screen.provider) : undefined;
  let title: string;
  let message: string;
  let icon: string;
  switch (screen.outcome) {
    case 'success':
      title = name ? `${name} is connected` : 'Connected';
      message = 'Your data is now being copied to this computer. The first sync can take a minute or two.';
      icon = icons.check;
      break;
    case 'exit':
      title = 'Connection cancelled';
      // Plain words only: the core's message is for the study team (the console shows it).
      message = screen.message
        ? explain(screen.errorType ?? 'user_cancelled', { provider: screen.provider, detail: screen.message }, 'participant').text
        : 'Nothing was connected. You can choose a device again whenever you are ready.';
      icon = icons.exit;
      break;
    default:
      title = !screen.retryable ? 'This link can’t be used' : name ? `Couldn’t connect ${name}` : 'Something went wrong';
      message = explain(screen.errorType, { provider: screen.provider, detail: screen.message }, 'participant').text;
      icon = icons.alert;
  }
  const canRetry = screen.outcome !== 'success' && screen.retryable;
  return h('section', { class: `vlink-screen vlink-center vlink-result ${screen.outcome}`, id: 'link-result', 'data-state': screen.outcome, 'aria-live': 'polite' },
    h('div', { class: 'vlink-result-badge' },
      logo ? h('img', { class: 'vlink-result-logo', src: logo, alt: '', width: 56, height: 56 }) : null,
      h('span', { class: 'vlink-result-icon' }, svg(icon))),
    h('h1', { class: 'vlink-title', id: 'result-title' }, title),
    h('p', { class: 'vlink-lead', id: 'result-message' }, message),
    screen.outcome !== 'success' && screen.errorType
      ? h('p', { class: 'vlink-code' }, 'Code: ', h('code', { id: 'result-code' }, screen.errorType))
      : null,
    ctx.redirecting
      ? h('p', { class: 'vlink-small', id: 'link-redirecting' }, h('span', { class: 'vl-spinner' }), ' Returning you to the study page…')
      : h('div', { class: 'vlink-actions' },
          canRetry
            ? h('button', { class: 'vl-btn', id: 'link-retry', type: 'button', onclick: () => act.retry() },
                screen.outcome === 'exit' ? 'Choose a device' : 'Try again')
            : null,
          h('button', { class: 'vl-btn primary', id: 'link-done', type: 'button', onclick: () => act.done() },
            screen.outcome === 'success' ? 'Done' : 'Close')));
}

/** The core's messages are lower-case clauses; show them as sentences. */
export function sentence(s: string): string {
  const t = capitalise(s.trim());
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
