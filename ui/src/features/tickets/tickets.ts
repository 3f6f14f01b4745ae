// Tickets as residents read them: categories per kind, states, colours, deadlines.
import { TICKET_CATEGORIES, type TicketKind, type TicketState, type TicketViewState } from '../../generated/wire';

/** Category codes per kind (the contract's list, from linli-wire); words come from i18n
 * `tickets.categories`. */
export const CATEGORIES: Record<Exclude<TicketKind, 'other'>, readonly string[]> = TICKET_CATEGORIES;

export const KINDS = Object.keys(TICKET_CATEGORIES) as Array<Exclude<TicketKind, 'other'>>;

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

export { fileToBase64 } from '../../shared/files';

/**
 * What the photo picker offers: the formats the core prepares (JPEG, PNG, WebP, GIF,
 * HEIC/HEIF, AVIF), by type and by extension, since file choosers know HEIC under several types
 * (image/heic, image/heif, image/heic-sequence) or none. Anything else picked anyway is refused
 * by the core with its own reason.
 */
export const PHOTO_ACCEPT = [
  'image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/heic', 'image/heif',
  'image/heic-sequence', 'image/heif-sequence', 'image/avif',
  '.jpg', '.jpeg', '.png', '.webp', '.gif', '.heic', '.heif', '.hif', '.avif',
].join(',');
