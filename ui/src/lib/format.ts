// Dates and addresses as residents read them.
import type { Locale, Membership, Unit } from '../generated/wire';

/** 11月22日 14:00 / Nov 22, 14:00 (this year), with the year otherwise. */
export function formatDateTime(iso: string, locale: Locale, now: Date = new Date()): string {
  const date = new Date(iso);
  const sameYear = date.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(locale, {
    year: sameYear ? undefined : 'numeric',
    month: locale === 'en' ? 'short' : 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(date);
}

/** 3栋2单元1502 */
export function unitLabel(unit: Unit): string {
  return `${unit.building}${unit.entrance}${unit.room}`;
}

export function householdLabel(m: Membership): string {
  return `${m.community.name} ${unitLabel(m.unit)}`;
}
