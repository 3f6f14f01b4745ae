// src/vant.ts registers only the Vant components the screens use: a `<van-*>` tag in any
// screen that is not registered there would render as an unknown element in the app.
import { describe, expect, it } from 'vitest';
import { components } from '../src/vant';

// Every screen's source, as text.
const screens = import.meta.glob<string>('../src/**/*.vue', { query: '?raw', import: 'default', eager: true });

const pascal = (tag: string): string =>
  tag.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());

describe('the Vant components registered', () => {
  it('include every <van-*> tag of every screen', () => {
    const used = new Set<string>();
    for (const source of Object.values(screens)) {
      for (const match of source.matchAll(/<van-([a-z-]+)/g)) used.add(pascal(match[1] ?? ''));
    }
    expect(used.size, 'the screens use Vant components').toBeGreaterThan(10);
    const missing = [...used].filter((name) => !(name in components));
    expect(missing, 'used in a screen but not registered in src/vant.ts').toEqual([]);
  });
});
