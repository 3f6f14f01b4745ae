// Visitor pass windows, in community time (UTC+8), and how passes are labelled.
import type { PassSchedule, PassViewState } from '../../generated/wire';

export type Preset = 'today' | 'afternoon' | 'tomorrow' | 'custom' | 'recurring';

const HOUR = 3600_000;
const OFFSET = 8 * HOUR; // China Standard Time, no daylight saving.

/** Midnight (community time) of the day `days` after `now`'s, as UTC milliseconds. */
function communityMidnight(now: number, days: number): number {
  const local = now + OFFSET;
  const midnightLocal = local - (local % (24 * HOUR)) + days * 24 * HOUR;
  return midnightLocal - OFFSET;
}

/** The window a preset stands for, never starting in the past. */
export function presetWindow(preset: Exclude<Preset, 'custom' | 'recurring'>, now: number = Date.now()): { from: string; until: string } {
  const today = communityMidnight(now, 0);
  let from: number;
  let until: number;
  switch (preset) {
    case 'today':
      from = now;
      until = today + 24 * HOUR - 60_000;
      break;
    case 'afternoon':
      from = Math.max(now, today + 13 * HOUR);
      until = today + 18 * HOUR;
      break;
    case 'tomorrow':
      from = today + 24 * HOUR;
      until = today + 48 * HOUR - 60_000;
      break;
  }
  return { from: new Date(from).toISOString(), until: new Date(until).toISOString() };
}

/** `datetime-local` input value (community time) ↔ ISO instant. */
export function toLocalInput(iso: string): string {
  return new Date(Date.parse(iso) + OFFSET).toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string {
  return new Date(Date.parse(`${value}:00Z`) - OFFSET).toISOString();
}

export function stateColor(state: PassViewState): string {
  switch (state) {
    case 'active':
      return 'var(--linli-success)';
    case 'upcoming':
      return 'var(--linli-info)';
    case 'pending':
      return 'var(--linli-warn)';
    case 'rejected':
      return 'var(--linli-danger)';
    default:
      return 'var(--linli-muted-strong)';
  }
}

/** `HH:MM` for a minute of the day. */
export function minuteText(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** A minute of the day from `HH:MM`. */
export function parseMinute(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The window of a recurring pass: from the first day's start to the last day's end (community time). */
export function recurringWindow(firstDay: string, lastDay: string, schedule: PassSchedule): { from: string; until: string } {
  const from = fromLocalInput(`${firstDay}T${minuteText(schedule.from_minute)}`);
  const until = schedule.until_minute >= 1440 ? fromLocalInput(`${lastDay}T23:59`) : fromLocalInput(`${lastDay}T${minuteText(schedule.until_minute)}`);
  return { from, until };
}

/** 每周一、三、五 08:00–12:00 */
export function scheduleText(schedule: PassSchedule, names: readonly string[], sep: string, line: (days: string, from: string, to: string) => string): string {
  const days = [...schedule.weekdays].sort((a, b) => a - b).map((d) => names[d - 1] ?? '').join(sep);
  return line(days, minuteText(schedule.from_minute), minuteText(schedule.until_minute));
}
