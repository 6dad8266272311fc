import { describe, expect, it } from 'vitest';
import type { Room, UserSummary } from '../../../types/api';
import { dmPartner, knownUsers, roomSections, suggestUsers } from './directory';

const u = (id: number, username: string): UserSummary => ({ id, username });
const alice = u(1, 'alice');
const bob = u(2, 'bob');
const carol = u(3, 'carol');
const albert = u(4, 'Albert');

function room(id: number, over: Partial<Room> = {}): Room {
  return {
    id,
    name: `room${id}`,
    created_by: alice,
    created_at: '2026-11-01T00:00:00Z',
    member_count: 1,
    members: [alice],
    is_member: true,
    last_message_at: null,
    last_read_id: null,
    unread_count: 0,
    mention_count: 0,
    kind: 'public',
    owner_id: 1,
    role: 'owner',
    ...over,
  };
}

describe('roomSections', () => {
  it('puts direct rooms in their own section, joined rooms (public and private) in yours, public others in discover', () => {
    const rooms = [
      room(1),
      room(2, { kind: 'private' }),
      room(3, { kind: 'direct', name: 'bob', owner_id: null, members: [alice, bob] }),
      room(4, { is_member: false }),
      room(5, { is_member: false, kind: 'private' }),
      room(6),
    ];
    const s = roomSections(rooms);
    expect(s.direct.map((r) => r.id)).toEqual([3]);
    expect(s.mine.map((r) => r.id)).toEqual([1, 2, 6]);
    expect(s.discover.map((r) => r.id)).toEqual([4]);
  });

  it('treats rooms from older servers (no kind) as public', () => {
    const legacy = room(7, { kind: undefined, is_member: false });
    expect(roomSections([legacy]).discover).toHaveLength(1);
  });

  it('keeps the list order (newest activity first) inside each section', () => {
    const s = roomSections([room(9), room(3, { kind: 'direct' }), room(1), room(8, { kind: 'direct' })]);
    expect(s.mine.map((r) => r.id)).toEqual([9, 1]);
    expect(s.direct.map((r) => r.id)).toEqual([3, 8]);
  });
});

describe('dmPartner', () => {
  it('is the other member of a direct room, null elsewhere', () => {
    expect(dmPartner(room(3, { kind: 'direct', members: [alice, bob] }), 1)).toEqual(bob);
    expect(dmPartner(room(1, { members: [alice, bob] }), 1)).toBeNull();
  });
});

describe('knownUsers', () => {
  it('is everyone in the rooms you are in, but you, once each, sorted', () => {
    const rooms = [room(1, { members: [alice, carol, bob] }), room(2, { members: [bob, alice] }), room(3, { is_member: false, members: [albert] })];
    expect(knownUsers(rooms, 1)).toEqual([bob, carol]);
  });
});

describe('suggestUsers', () => {
  const users = [albert, alice, bob, carol, u(5, 'malia')];

  it('matches case-insensitively, prefixes before other matches', () => {
    expect(suggestUsers(users, 'AL').map((x) => x.username)).toEqual(['Albert', 'alice', 'malia']);
  });

  it('ignores a leading @ and surrounding spaces', () => {
    expect(suggestUsers(users, ' @bo ').map((x) => x.username)).toEqual(['bob']);
  });

  it('leaves out excluded ids (current members) and caps the list', () => {
    expect(suggestUsers(users, 'a', { exclude: [1, 4] }).map((x) => x.username)).toEqual(['carol', 'malia']);
    expect(suggestUsers(users, '', { limit: 2 })).toHaveLength(2);
  });

  it('treats regex characters as text', () => {
    expect(suggestUsers(users, '.*')).toEqual([]);
  });
});
