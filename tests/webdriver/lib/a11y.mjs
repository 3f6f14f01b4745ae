// Accessibility checks in the real window: axe-core (a checker nobody here wrote) injected
// into the app's WebKit page through WebDriver, keeping only serious and critical findings of
// the WCAG 2.0–2.2 A/AA rules and axe's best practices; and the keyboard helpers the window
// tests use (what has focus, Tab until something is focused).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Injected as the body of a WebDriver script (not eval'd by the page), so the app's strict
// CSP stays as it is.
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** axe's serious and critical violations on the screen shown now, one line each:
 *  `rule (impact) target — help`. */
export async function axeViolations(browser) {
  const loaded = await browser.execute(() => typeof window.axe !== 'undefined');
  if (!loaded) await browser.execute(`${AXE}\nreturn true;`);
  const result = await browser.executeAsync((tags, done) => {
    window.axe
      .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'], iframes: false })
      .then((r) =>
        done(
          r.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) ${n.target.join(' ')} ${n.html.slice(0, 120)} — ${v.help}: ${n.failureSummary?.replace(/\s+/g, ' ')}`)),
        ),
      )
      .catch((err) => done([`axe failed: ${err}`]));
  }, TAGS);
  return result;
}

/** A list of findings per screen; `check(name)` adds the screen shown now, `report()` is the
 *  text an assertion prints (empty when every screen passed). */
export function axeLog(browser) {
  const found = [];
  return {
    async check(screen) {
      const violations = await axeViolations(browser);
      for (const v of violations) found.push(`[${screen}] ${v}`);
      return violations;
    },
    found,
    report: () => found.join('\n'),
  };
}

/** What has focus now: its data-testid (or that of its nearest marked ancestor), tag, role,
 *  accessible label, whether :focus-visible matches it, and what draws the focus (its
 *  outline, or the ring of the field it sits in; `none` when nothing does). */
export async function focused(browser) {
  return browser.execute(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const marked = el.closest('[data-testid]');
    const style = getComputedStyle(el);
    // A field's input shows its focus on the whole field (a ring drawn as a box-shadow).
    const field = el.closest('.van-field');
    const ring = field ? getComputedStyle(field).boxShadow : 'none';
    return {
      testid: marked?.getAttribute('data-testid') ?? null,
      tag: el.tagName.toLowerCase(),
      role: el.getAttribute('role'),
      label: el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40) ?? '',
      visible: el.matches(':focus-visible'),
      outline: style.outlineStyle !== 'none' ? `${style.outlineStyle} ${style.outlineWidth}` : ring === 'none' ? 'none' : `field ring ${ring}`,
    };
  });
}

/** Presses Tab (Shift+Tab with `back`) until the focused element's test id is `testid`;
 *  answers the ids passed on the way, so a test can say the order was sensible. */
export async function tabTo(browser, testid, { max = 40, back = false } = {}) {
  const seen = [];
  for (let i = 0; i < max; i += 1) {
    await browser.keys(back ? ['Shift', 'Tab'] : ['Tab']);
    const now = await focused(browser);
    seen.push(now?.testid ?? now?.tag ?? 'body');
    if (now?.testid === testid) return { seen, now };
  }
  throw new Error(`Tab never reached ${testid} in ${max} presses; focus went: ${seen.join(' → ')}`);
}
