/** Modal dialogs of the console (never alert/confirm/prompt): confirm, ask for a value, show a secret once. */
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';

export interface DialogOptions {
  title: string;
  /** Paragraphs of explanation. */
  body?: (string | Node)[];
  confirmLabel?: string;
  cancelLabel?: string | null;
  danger?: boolean;
  /** An input the person must fill; its value is the result. */
  input?: { label: string; type?: string; placeholder?: string; mustEqual?: string; autocomplete?: string };
  id?: string;
  /** Checked on confirm (with the input's value); a message keeps the dialog open. */
  validate?: (value: string) => Promise<string | null> | string | null;
}

let open: HTMLElement | null = null;

/** Resolves to the input's value (or '' without input) on confirm, null on cancel. */
export function dialog(o: DialogOptions): Promise<string | null> {
  open?.remove();
  return new Promise((resolve) => {
    const previous = document.activeElement as HTMLElement | null;
    const error = h('p', { class: 'dialog-error', role: 'alert', hidden: true });
    const input = o.input
      ? h('input', {
          class: 'vl-input', id: `${o.id ?? 'dialog'}-input`, type: o.input.type ?? 'text', placeholder: o.input.placeholder ?? '',
          autocomplete: o.input.autocomplete ?? 'off', spellcheck: 'false', 'aria-label': o.input.label,
        })
      : null;
    const ok = h('button', { class: `vl-btn ${o.danger ? 'danger' : 'primary'}`, type: 'submit', id: `${o.id ?? 'dialog'}-confirm` }, o.confirmLabel ?? 'OK');
    const cancel = o.cancelLabel === null ? null
      : h('button', { class: 'vl-btn', type: 'button', id: `${o.id ?? 'dialog'}-cancel`, onclick: () => done(null) }, o.cancelLabel ?? 'Cancel');
    const sync = () => {
      if (input && o.input?.mustEqual !== undefined) ok.disabled = input.value !== o.input.mustEqual;
    };
    input?.addEventListener('input', () => {
      error.hidden = true;
      sync();
    });
    sync();
    const form = h('form', {
      class: 'dialog-card', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'dialog-title',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void submit();
      },
    },
      h('header', { class: 'dialog-head' },
        o.danger ? h('span', { class: 'dialog-icon danger' }, svg(icons.alert)) : null,
        h('h2', { id: 'dialog-title' }, o.title)),
      h('div', { class: 'dialog-body' },
        (o.body ?? []).map((b) => (typeof b === 'string' ? h('p', {}, b) : b)),
        input ? h('label', { class: 'field' }, h('span', { class: 'field-label' }, o.input!.label), input) : null,
        error),
      h('footer', { class: 'dialog-foot' }, cancel, ok));
    const el = h('div', { class: 'dialog-backdrop', id: o.id ?? 'dialog' }, form);
    async function submit() {
      const v = input?.value ?? '';
      if (o.validate) {
        ok.disabled = true;
        const msg = await o.validate(v);
        ok.disabled = false;
        if (msg) {
          error.textContent = msg;
          error.hidden = false;
          input?.focus();
          input?.select();
          return;
        }
      }
      done(v);
    }
    function done(v: string | null) {
      el.remove();
      document.removeEventListener('keydown', onKey, true);
      if (open === el) open = null;
      previous?.focus?.();
      resolve(v);
    }
    function onKey(e: KeyboardEvent) {
      if (e.key === 'Escape' && cancel) {
        e.preventDefault();
        e.stopPropagation();
        done(null);
      }
    }
    document.addEventListener('keydown', onKey, true);
    document.body.append(el);
    open = el;
    (input ?? (o.danger ? cancel : ok) ?? ok).focus();
  });
}

export async function confirmDialog(o: Omit<DialogOptions, 'input'>): Promise<boolean> {
  return (await dialog(o)) !== null;
}

/** Shows a secret in full once, with a copy button. */
export function secretDialog(title: string, secret: string, note: string, id = 'secret-dialog'): Promise<void> {
  const value = h('code', { class: 'secret-value', id: `${id}-value` }, secret);
  const copy = h('button', {
    class: 'vl-btn small', type: 'button', id: `${id}-copy`,
    onclick: () => {
      void copyText(secret).then((ok) => {
        copy.textContent = ok ? 'Copied' : 'Select and copy it by hand';
      });
    },
  }, 'Copy');
  return dialog({
    id, title, confirmLabel: 'I have saved it', cancelLabel: null,
    body: [h('div', { class: 'secret-box' }, value, copy), note],
  }).then(() => undefined);
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
