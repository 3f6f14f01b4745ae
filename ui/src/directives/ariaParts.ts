// `v-aria-parts="{ '.van-stepper__minus': t('a11y.less'), … }"` on a Vant component: gives
// parts Vant draws without a name (a stepper's −/+ buttons and its number field) the
// aria-label a screen reader reads, in the app's language. Vant 4 has no prop for them.
import type { Directive } from 'vue';

type Parts = Record<string, string>;

function apply(el: HTMLElement, parts: Parts | undefined): void {
  for (const [selector, label] of Object.entries(parts ?? {})) {
    for (const part of el.querySelectorAll<HTMLElement>(selector)) part.setAttribute('aria-label', label);
  }
}

export const vAriaParts: Directive<HTMLElement, Parts | undefined> = {
  mounted(el, binding) {
    apply(el, binding.value);
  },
  // A language switch or a re-render: the names follow.
  updated(el, binding) {
    apply(el, binding.value);
  },
};
