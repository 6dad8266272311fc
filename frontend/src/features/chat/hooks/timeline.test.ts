import { describe, expect, it } from 'vitest';
import type { Message } from '../../../types/api';
import { FRESH_MESSAGE_FIELDS } from '../../../types/api';
import { buildTimeline } from './timeline';

function at(id: number, iso: string, senderId = 2): { kind: 'confirmed'; message: Message } {
  return {
    kind: 'confirmed',
    message: {
      id,
      room_id: 1,
      sender: { id: senderId, username: `u${senderId}` },
      content: 'x',
      created_at: iso,
      client_id: null,
      ...FRESH_MESSAGE_FIELDS,
    },
  };
}

// Local-time ISO strings (no Z) keep the test independent of the machine's zone.
const local = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi).toISOString();

describe('buildTimeline', () => {
  it('inserts a day separator whenever the local day changes', () => {
    const now = new Date(2026, 10, 26, 12, 0);
    const rows = buildTimeline(
      [at(1, local(2026, 11, 24, 9, 0)), at(2, local(2026, 11, 25, 9, 0)), at(3, local(2026, 11, 26, 9, 0)), at(4, local(2026, 11, 26, 9, 1))],
      1,
      now,
    );
    const days = rows.filter((r) => r.kind === 'day').map((r) => (r.kind === 'day' ? r.label : ''));
    expect(days).toHaveLength(3);
    expect(days[1]).toBe('Yesterday');
    expect(days[2]).toBe('Today');
  });

  it('groups consecutive messages of one sender within five minutes and marks own ones', () => {
    const rows = buildTimeline(
      [at(1, local(2026, 11, 26, 9, 0), 1), at(2, local(2026, 11, 26, 9, 2), 1), at(3, local(2026, 11, 26, 9, 30), 1), at(4, local(2026, 11, 26, 9, 31), 2)],
      1,
      new Date(2026, 10, 26, 12, 0),
    );
    const msgs = rows.flatMap((r) => (r.kind === 'message' ? [r] : []));
    expect(msgs.map((r) => r.continuation)).toEqual([false, true, false, false]);
    expect(msgs.map((r) => r.own)).toEqual([true, true, true, false]);
  });
});
