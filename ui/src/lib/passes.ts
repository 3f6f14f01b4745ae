// Visitor pass windows, in community time (UTC+8), and how passes are labelled.
import type { PassViewState } from '../generated/wire';

export type Preset = 'today' | 'afternoon' | 'tomorrow' | 'custom';

const HOUR = 3600_000;
const OFFSET = 8 * HOUR; // China Standard Time, no daylight saving.

/** Midnight (community time) of the day `days` after `now`'s, as UTC milliseconds. */
function communityMidnight(now: number, days: number): number {
  const local = now + OFFSET;
  const midnightLocal = local - (local % (24 * HOUR)) + days * 24 * HOUR;
  return midnightLocal - OFFSET;
}

/** The window a preset stands for, never starting in the past. */
export function presetWindow(preset: Exclude<Preset, 'custom'>, now: number = Date.now()): { from: string; until: string } {
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
      return '#07c160';
    case 'upcoming':
      return '#1989fa';
    case 'pending':
      return '#f59e0b';
    case 'rejected':
      return '#ee0a24';
    default:
      return '#9ca3af';
  }
}
