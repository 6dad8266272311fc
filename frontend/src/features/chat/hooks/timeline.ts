// Turns the message list into rows: a day separator whenever the local day
// changes, and "continuation" rows for consecutive messages of one sender
// within a few minutes (the name and avatar are shown once).
import { dayKey, dayLabel } from '../../../lib/time';
import type { TimelineMessage } from './chat-state';

export type TimelineRow =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; item: TimelineMessage; own: boolean; continuation: boolean };

const GROUP_WINDOW_MS = 5 * 60 * 1000;

export function buildTimeline(items: readonly TimelineMessage[], selfId: number, now: Date = new Date()): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let lastDay: string | null = null;
  let lastSender: number | null = null;
  let lastTime = 0;
  for (const item of items) {
    const m = item.message;
    const day = dayKey(m.created_at);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}`, label: dayLabel(m.created_at, now) });
      lastDay = day;
      lastSender = null;
    }
    const t = new Date(m.created_at).getTime();
    const continuation = lastSender === m.sender.id && t - lastTime < GROUP_WINDOW_MS;
    rows.push({
      kind: 'message',
      // Keyed by client_id when there is one, so an optimistic row keeps its
      // DOM node when the server's copy replaces it.
      key: m.client_id ? `c-${m.sender.id}-${m.client_id}` : `m-${item.kind === 'confirmed' ? item.message.id : ''}`,
      item,
      own: m.sender.id === selfId,
      continuation,
    });
    lastSender = m.sender.id;
    lastTime = t;
  }
  return rows;
}
