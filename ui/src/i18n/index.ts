// vue-i18n setup: zh-CN by default, English switchable. The choice is stored by the core
// (`set_locale`), so it survives restarts; the session tells us which one to start with.
import { createI18n } from 'vue-i18n';
import type { Locale } from '../generated/wire';
import zh from './zh-CN';
import en from './en';

type Messages = typeof zh;
// English must have exactly the same keys as Chinese.
const english: Messages = en;

export const i18n = createI18n({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en: english },
});

export function applyLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
}
