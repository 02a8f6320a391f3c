/**
 * A date field that reads and shows yyyy-mm-dd whatever the system locale (a native
 * `type=date` shows `11/03/2026` under the C or US locale while the labels say ISO).
 */
import { h } from '../shared/dom';
import { DATE_PATTERN, DATE_PLACEHOLDER, isYmd } from './format';

export function dateInput(id: string, label: string): HTMLInputElement {
  const el = h('input', {
    class: 'vl-input date', type: 'text', id, 'aria-label': `${label} (${DATE_PLACEHOLDER})`, title: `${label} (${DATE_PLACEHOLDER})`,
    placeholder: DATE_PLACEHOLDER, pattern: DATE_PATTERN, inputmode: 'numeric', maxlength: '10', size: '10',
    autocomplete: 'off', spellcheck: 'false',
  });
  const check = () => {
    if (el.value && !isYmd(el.value.trim())) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  };
  el.addEventListener('input', check);
  el.addEventListener('change', () => {
    el.value = el.value.trim();
    check();
  });
  return el;
}
