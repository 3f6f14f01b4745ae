// Tickets as residents read them: categories per kind, states, colours, deadlines.
import type { TicketKind, TicketState, TicketViewState } from '../../generated/wire';

/** Category codes per kind (the contract's list); words come from i18n `tickets.categories`. */
export const CATEGORIES: Record<Exclude<TicketKind, 'other'>, string[]> = {
  repair: ['water_electric', 'doors_windows', 'elevator', 'public_lighting', 'pipes', 'greenery', 'other'],
  complaint: ['service', 'environment', 'noise', 'security', 'parking', 'fees', 'other'],
  suggestion: ['facilities', 'management', 'activities', 'other'],
  praise: ['staff', 'service', 'other'],
};

export const KINDS: Array<Exclude<TicketKind, 'other'>> = ['repair', 'complaint', 'suggestion', 'praise'];

/** The tag a ticket shows: the device's state while queued, the backend's once sent. */
export function stateKey(view: TicketViewState, state: TicketState | null): string {
  if (view === 'pending') return 'pending';
  if (view === 'blocked') return 'blocked';
  return state ?? 'submitted';
}

export function stateColor(key: string): string {
  switch (key) {
    case 'pending':
      return '#f59e0b';
    case 'blocked':
    case 'rejected':
      return '#ee0a24';
    case 'completed':
    case 'confirmed':
      return '#07c160';
    case 'closed':
    case 'canceled':
      return '#9ca3af';
    default:
      return '#1989fa';
  }
}

/** A picked file as Base64 (what the core prepares). */
export function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result ?? '');
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}
