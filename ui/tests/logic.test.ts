// The app's own functions on their own: notice order and labels, messages for every error
// code, dates in community time. (The core's rules, which the in-memory fake does not imitate, are
// tested against the real core: tests/e2e/auth.rs, outbox.rs; the screens' use of them in screens.test.ts.)
import { describe, expect, it } from 'vitest';
import { knownCategory, paragraphs, sortNotices } from '../src/features/notices/notices';
import zh from '../src/i18n/zh-CN';
import { formatDateTime } from '../src/shared/format';
import { errorText } from '../src/shared/errors';
import { applyLocale } from '../src/i18n';
import en from '../src/i18n/en';
import type { ErrorCode, Notice } from '../src/generated/wire';
import wire from '../src/generated/wire.ts?raw';

describe('notice order and labels', () => {
  const base = (id: string, hoursAgo: number, extra: Partial<Notice> = {}): Notice => ({
    id,
    community_id: 'c',
    title: id,
    summary: '',
    body: '',
    category: 'general',
    priority: 'normal',
    pinned: false,
    publisher: '',
    published_at: new Date(Date.UTC(2026, 10, 22) - hoursAgo * 3600_000).toISOString(),
    starts_at: null,
    ends_at: null,
    expires_at: null,
    service_back_at: null,
    targets: [],
    affects_me: true,
    read_at: null,
    version: 1,
    ...extra,
  });

  it('puts urgent first, then pinned, then newest', () => {
    const sorted = sortNotices([
      base('old', 50),
      base('pinned', 40, { pinned: true }),
      base('new', 1),
      base('urgent', 60, { priority: 'urgent' }),
    ]);
    expect(sorted.map((n) => n.id)).toEqual(['urgent', 'pinned', 'new', 'old']);
  });

  it('shows unknown categories from a newer backend as other', () => {
    expect(knownCategory('parking_notice')).toBe('other');
    expect(knownCategory('water_outage')).toBe('water_outage');
  });

  it('splits the body on blank lines', () => {
    expect(paragraphs('一\n\n二\n  \n三')).toEqual(['一', '二', '三']);
  });
});

describe('messages', () => {
  // The ErrorCode union as generated from Rust: a code added there must get a message here.
  const union = /export type ErrorCode = ([^;]+);/.exec(wire)?.[1] ?? '';
  const wireCodes = [...union.matchAll(/"([a-z-]+)"/g)].map((m) => m[1] as ErrorCode);

  it('has a message for every error code of wire.ts in both languages', () => {
    expect(wireCodes.length).toBeGreaterThan(25);
    expect(Object.keys(zh.errors).sort()).toEqual([...wireCodes].sort());
    expect(Object.keys(en.errors).sort()).toEqual([...wireCodes].sort());
    for (const code of wireCodes) {
      expect(zh.errors[code], code).toMatch(/\S/);
      expect(en.errors[code], code).toMatch(/\S/);
      expect(en.errors[code], code).not.toBe(zh.errors[code]);
    }
  });

  it('shows the message of the code in the current language, and a fallback for a new code', () => {
    try {
      applyLocale('zh-CN');
      expect(errorText('invalid-credentials')).toBe('手机号或密码错误');
      expect(errorText('rate-limited')).toBe('尝试次数过多，请稍后再试');
      expect(errorText('keyring-unavailable')).toContain('GNOME');
      expect(errorText('refresh-reused')).toBe('检测到登录凭证被重复使用，为保护账号安全已退出，请重新登录');
      expect(errorText('some-future-code')).toBe(zh.errors.unknown);
      applyLocale('en');
      expect(errorText('invalid-credentials')).toBe(en.errors['invalid-credentials']);
      expect(errorText('some-future-code')).toBe(en.errors.unknown);
    } finally {
      applyLocale('zh-CN');
    }
  });
});

describe('dates', () => {
  it('are shown in community time (UTC+8) whatever the device zone', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    expect(formatDateTime('2026-11-23T01:00:00Z', 'zh-CN', now)).toBe('11月23日 09:00');
    expect(formatDateTime('2025-03-01T01:00:00Z', 'zh-CN', now)).toContain('2025年');
    expect(formatDateTime('2026-11-23T01:00:00Z', 'en', now)).toMatch(/Nov 23.*09:00/);
  });
});
