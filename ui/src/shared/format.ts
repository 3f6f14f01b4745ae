// Dates and addresses as residents read them.
import type { Locale, Membership, Unit } from '../generated/wire';

/**
 * Times are shown in the community's time (China Standard Time), whatever the device's zone:
 * "停水 9:00–15:00" must read the same on every phone and desktop.
 */
export const COMMUNITY_TIME_ZONE = 'Asia/Shanghai';

function year(date: Date): string {
  return new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: COMMUNITY_TIME_ZONE }).format(date);
}

/** 11月22日 14:00 / Nov 22, 14:00 (this year), with the year otherwise. */
export function formatDateTime(iso: string, locale: Locale, now: Date = new Date()): string {
  const date = new Date(iso);
  return new Intl.DateTimeFormat(locale, {
    year: year(date) === year(now) ? undefined : 'numeric',
    month: locale === 'en' ? 'short' : 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone: COMMUNITY_TIME_ZONE,
  }).format(date);
}

/** 3栋2单元1502 */
export function unitLabel(unit: Unit): string {
  return `${unit.building}${unit.entrance}${unit.room}`;
}

export function householdLabel(m: Membership): string {
  return `${m.community.name} ${unitLabel(m.unit)}`;
}
