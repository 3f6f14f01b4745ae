// How notices are ordered and labelled on screen.
import type { Notice, NoticeCategory, NoticeTarget } from '../../generated/wire';

const KNOWN: ReadonlySet<string> = new Set<NoticeCategory>([
  'water_outage',
  'power_outage',
  'elevator_maintenance',
  'fire_safety',
  'community_event',
  'fees',
  'general',
  'other',
]);

/** A category this build knows, or `other` (a newer backend may send new ones). */
export function knownCategory(category: string): NoticeCategory {
  return KNOWN.has(category) ? (category as NoticeCategory) : 'other';
}

/** Urgent first, then pinned, then newest. */
export function sortNotices(notices: readonly Notice[]): Notice[] {
  const rank = (n: Notice) => (n.priority === 'urgent' ? 0 : n.pinned ? 1 : 2);
  return [...notices].sort(
    (a, b) => rank(a) - rank(b) || Date.parse(b.published_at) - Date.parse(a.published_at),
  );
}

/** Body paragraphs (separated by blank lines). */
export function paragraphs(body: string): string[] {
  return body
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Tag colour per category (Vant tag types / custom colours). */
export function categoryColor(category: NoticeCategory): string {
  switch (category) {
    case 'water_outage':
      return '#1989fa';
    case 'power_outage':
      return '#ff976a';
    case 'elevator_maintenance':
      return '#7c5cff';
    case 'fire_safety':
      return '#ee0a24';
    case 'community_event':
      return '#07c160';
    case 'fees':
      return '#f59e0b';
    default:
      return '#64748b';
  }
}

/** The names of a notice's targets as the directory spells them (3栋, 5栋1单元), joined. */
export function targetNames(targets: readonly NoticeTarget[], separator: string): string {
  return targets.map((target) => `${target.building}${target.entrance ?? ''}`).join(separator);
}
