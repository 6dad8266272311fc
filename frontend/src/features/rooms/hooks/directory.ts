// Pure helpers over the room list: the sidebar's sections, the people you can
// message or add (the members of your rooms: there is no user directory) and
// the suggestions for a typed username.
import type { Id, Room, UserSummary } from '../../../types/api';

export interface RoomSections {
  /** Your direct conversations. */
  direct: Room[];
  /** Public and private rooms you are in. */
  mine: Room[];
  /** Public rooms you can join. */
  discover: Room[];
}

export function roomSections(rooms: readonly Room[]): RoomSections {
  const sections: RoomSections = { direct: [], mine: [], discover: [] };
  for (const room of rooms) {
    if (room.kind === 'direct') {
      if (room.is_member) sections.direct.push(room);
    } else if (room.is_member) sections.mine.push(room);
    else if (room.kind !== 'private') sections.discover.push(room);
  }
  return sections;
}

/** The other person in a direct room (by its members; else the room's name). */
export function dmPartner(room: Room, selfId: Id): UserSummary | null {
  if (room.kind !== 'direct') return null;
  return room.members.find((m) => m.id !== selfId) ?? null;
}

/** Everyone in the rooms you are in, but you, once each, by username. */
export function knownUsers(rooms: readonly Room[], selfId: Id): UserSummary[] {
  const byId = new Map<Id, UserSummary>();
  for (const room of rooms) {
    if (!room.is_member) continue;
    for (const m of room.members) if (m.id !== selfId && !byId.has(m.id)) byId.set(m.id, m);
  }
  return [...byId.values()].sort((a, b) => a.username.localeCompare(b.username));
}

/**
 * Suggestions for a typed username: case-insensitive, names that start with the
 * text first, then names that contain it; `exclude` (ids) left out.
 */
export function suggestUsers(
  users: readonly UserSummary[],
  text: string,
  { exclude = [], limit = 8 }: { exclude?: readonly Id[]; limit?: number } = {},
): UserSummary[] {
  const q = text.trim().replace(/^@/, '').toLowerCase();
  const skip = new Set(exclude);
  const pool = users.filter((u) => !skip.has(u.id));
  if (q === '') return pool.slice(0, limit);
  const starts = pool.filter((u) => u.username.toLowerCase().startsWith(q));
  const contains = pool.filter((u) => !u.username.toLowerCase().startsWith(q) && u.username.toLowerCase().includes(q));
  return [...starts, ...contains].slice(0, limit);
}
