// `v-input-testid="'login-phone'"` on a van-field: puts `data-testid` on the field's own
// <input> (Vant 4 passes unknown attributes to the wrapper div and has no `input-attrs`), so
// UI tests can type into `[data-testid="login-phone"]` directly.
import type { Directive } from 'vue';

function apply(el: HTMLElement, id: string | undefined): void {
  const input = el.matches('input, textarea') ? el : el.querySelector<HTMLElement>('input, textarea');
  if (!input) return;
  if (id) input.setAttribute('data-testid', id);
  else input.removeAttribute('data-testid');
}

export const vInputTestid: Directive<HTMLElement, string | undefined> = {
  mounted(el, binding) {
    apply(el, binding.value);
  },
  // Vant may re-render the input (e.g. a type change); keep the mark on it.
  updated(el, binding) {
    apply(el, binding.value);
  },
};
