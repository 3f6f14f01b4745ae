// The look the window follows: the system's light or dark preference (prefers-color-scheme,
// followed live), and 长辈模式 from the session. Both are classes on <html> (`theme-dark`,
// `elderly`) that switch the CSS variables of styles.css: no component keeps its own copy.
//
// `?theme=dark` / `?theme=light` in the page's address overrides the system: WebKitWebDriver
// cannot emulate the media query, so the window tests load the UI with it to check the dark
// theme. Nothing in the app links to it.
import { onBeforeUnmount, ref, watchEffect, type Ref } from 'vue';

export type Theme = 'light' | 'dark';

/** The theme asked for by the address, if any. */
export function themeOverride(search: string): Theme | null {
  const asked = new URLSearchParams(search).get('theme');
  return asked === 'dark' || asked === 'light' ? asked : null;
}

/** The theme to show now, kept current while the component lives. */
export function useTheme(): Ref<Theme> {
  const forced = themeOverride(window.location.search);
  const query = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const theme = ref<Theme>(forced ?? (query?.matches ? 'dark' : 'light'));
  const follow = (event: MediaQueryListEvent): void => {
    if (!forced) theme.value = event.matches ? 'dark' : 'light';
  };
  query?.addEventListener('change', follow);
  onBeforeUnmount(() => query?.removeEventListener('change', follow));
  return theme;
}

/** Keeps <html>'s classes in step with the theme and 长辈模式. */
export function applyLook(theme: Ref<Theme>, elderly: Ref<boolean>): void {
  watchEffect(() => {
    const root = document.documentElement.classList;
    root.toggle('theme-dark', theme.value === 'dark');
    root.toggle('elderly', elderly.value);
  });
}
