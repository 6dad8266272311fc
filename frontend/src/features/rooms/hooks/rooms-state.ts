// Pure state of the room list: REST answers, live `room` / `read` / `message`
// frames and local read marks folded into one sorted list. Unread counts come
// from the server (list, `read` frames) and are bumped locally for messages by
// others that arrive where you are not reading.
import type { Id, Message, ReadState, Room, RoomEvent } from '../../../types/api';
import { normalizeRoom } from '../../../types/api';

export interface RoomsData {
  rooms: Room[];
  /** Per room, the highest message id counted from a live frame (a message is never counted twice). */
  counted: Record<Id, Id>;
}

export type RoomsAction =
  | { type: 'loaded'; rooms: Room[] }
  | { type: 'upsert'; room: Room }
  | { type: 'event'; event: RoomEvent; room: Room; selfId: Id }
  | { type: 'read'; read: ReadState }
  | { type: 'message'; message: Message; selfId: Id; countUnread: boolean }
  | { type: 'marked-read'; roomId: Id; messageId: Id }
  | { type: 'left'; roomId: Id; selfId: Id };

export const emptyRooms: RoomsData = { rooms: [], counted: {} };

export function sortRooms(rooms: Room[]): Room[] {
  // Newest activity first (the API's order), rooms without messages by creation.
  const key = (r: Room) => r.last_message_at ?? r.created_at;
  return [...rooms].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : b.id - a.id));
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/** The fields every member sees alike; the per-caller ones stay as they are. */
function withShared(mine: Room, theirs: Room): Room {
  return {
    ...mine,
    // A direct room's name is the other person as each side sees it: keep yours.
    name: mine.kind === 'direct' ? mine.name : theirs.name,
    created_by: theirs.created_by,
    created_at: theirs.created_at,
    members: theirs.members,
    ...(theirs.owner_id !== undefined ? { owner_id: theirs.owner_id } : {}),
    ...(theirs.kind !== undefined ? { kind: theirs.kind } : {}),
    member_count: theirs.member_count,
    last_message_at: later(mine.last_message_at, theirs.last_message_at),
  };
}

/** Private and direct rooms are listed only to their members. */
function isHidden(room: Room): boolean {
  return room.kind === 'private' || room.kind === 'direct';
}

function asNonMember(room: Room): Room {
  return { ...room, is_member: false, role: null, last_read_id: null, unread_count: 0, mention_count: 0 };
}

function replace(data: RoomsData, room: Room): RoomsData {
  return { ...data, rooms: sortRooms([...data.rooms.filter((r) => r.id !== room.id), room]) };
}

function update(data: RoomsData, roomId: Id, change: (room: Room) => Room): RoomsData {
  const room = data.rooms.find((r) => r.id === roomId);
  if (!room) return data;
  const next = change(room);
  return next === room ? data : replace(data, next);
}

/**
 * Whether a live message should count as unread here: by someone else, and not in
 * the room you are looking at in a visible tab (that one is marked read instead).
 */
export function countsAsUnread(
  message: Message,
  { selfId, viewedRoomId, visible }: { selfId: Id; viewedRoomId: Id | null; visible: boolean },
): boolean {
  if (message.sender.id === selfId) return false;
  return message.room_id !== viewedRoomId || !visible;
}

export function roomsReducer(data: RoomsData, action: RoomsAction): RoomsData {
  switch (action.type) {
    case 'loaded': {
      const byId = new Map(data.rooms.map((r) => [r.id, r]));
      const rooms = action.rooms.map((fresh) => {
        const room = normalizeRoom(fresh);
        const known = byId.get(room.id);
        // A list answered before a message we already counted: keep the newer local view.
        const stale =
          known?.is_member &&
          room.is_member &&
          known.last_message_at !== null &&
          room.last_message_at !== null &&
          known.last_message_at > room.last_message_at;
        if (!known || !stale) return room;
        return {
          ...room,
          last_message_at: known.last_message_at,
          unread_count: Math.max(room.unread_count, known.unread_count),
        };
      });
      return { ...data, rooms: sortRooms(rooms) };
    }
    case 'upsert':
      return replace(data, normalizeRoom(action.room));
    case 'event': {
      const incoming = normalizeRoom(action.room);
      const known = data.rooms.find((r) => r.id === incoming.id);
      switch (action.event) {
        case 'joined':
          // Sent to your own connections: its per-caller fields are yours.
          return replace(data, { ...incoming, is_member: true });
        case 'left':
          // A private or direct room you are no longer in is not listed to you.
          if (isHidden(incoming)) return { ...data, rooms: data.rooms.filter((r) => r.id !== incoming.id) };
          return replace(data, asNonMember(known ? withShared(known, incoming) : incoming));
        case 'removed':
          // The owner took you out: private rooms vanish, public ones stay listed as not joined.
          if (isHidden(incoming)) return { ...data, rooms: data.rooms.filter((r) => r.id !== incoming.id) };
          return replace(data, asNonMember(known ? withShared(known, incoming) : incoming));
        case 'updated': {
          // The per-caller fields are the sender's view, not yours: keep your own.
          if (known) return replace(data, withShared(known, incoming));
          const member = incoming.members.some((m) => m.id === action.selfId);
          const fresh = { ...asNonMember(incoming), is_member: member };
          return replace(data, fresh);
        }
        case 'created':
          return replace(data, known ? withShared(known, incoming) : asNonMember(incoming));
      }
      return data;
    }
    case 'read':
      return update(data, action.read.room_id, (room) => {
        // The marker never moves back: an older answer is stale.
        const { last_read_id } = action.read;
        if (room.last_read_id !== null && last_read_id !== null && last_read_id < room.last_read_id) return room;
        return {
          ...room,
          last_read_id: action.read.last_read_id,
          unread_count: action.read.unread_count,
          mention_count: action.read.mention_count,
        };
      });
    case 'marked-read':
      return update(data, action.roomId, (room) => ({
        ...room,
        last_read_id: room.last_read_id === null ? action.messageId : Math.max(room.last_read_id, action.messageId),
        unread_count: 0,
        mention_count: 0,
      }));
    case 'message': {
      const { message } = action;
      const room = data.rooms.find((r) => r.id === message.room_id);
      if (!room) return data;
      const counted = data.counted[room.id];
      const isNew =
        (counted === undefined || message.id > counted) &&
        (room.last_read_id === null || message.id > room.last_read_id) &&
        (room.last_message_at === null || message.created_at > room.last_message_at);
      const last_message_at = later(room.last_message_at, message.created_at);
      let next: Room = last_message_at === room.last_message_at ? room : { ...room, last_message_at };
      if (message.sender.id === action.selfId) {
        // Posting moves your own marker to your message: what came before is read.
        if (room.is_member && (room.last_read_id === null || message.id > room.last_read_id)) {
          next = { ...next, last_read_id: message.id, unread_count: 0, mention_count: 0 };
        }
      } else if (isNew && action.countUnread && room.is_member) {
        const mentionsMe = (message.mentions ?? []).some((u) => u.id === action.selfId);
        next = {
          ...next,
          unread_count: next.unread_count + 1,
          mention_count: mentionsMe ? next.mention_count + 1 : next.mention_count,
        };
      }
      const nextCounted =
        counted === undefined || message.id > counted ? { ...data.counted, [room.id]: message.id } : data.counted;
      if (next === room && nextCounted === data.counted) return data;
      const rooms = next === room ? data.rooms : sortRooms(data.rooms.map((r) => (r.id === room.id ? next : r)));
      return { rooms, counted: nextCounted };
    }
    case 'left':
      // Applied at once on our own leave; the server's `left` / `updated` frames follow.
      if (data.rooms.some((r) => r.id === action.roomId && isHidden(r)))
        return { ...data, rooms: data.rooms.filter((r) => r.id !== action.roomId) };
      return update(data, action.roomId, (room) =>
        asNonMember({
          ...room,
          members: room.members.filter((m) => m.id !== action.selfId),
          member_count: room.members.some((m) => m.id === action.selfId)
            ? Math.max(0, room.member_count - 1)
            : room.member_count,
        }),
      );
  }
}

/** Unread messages over the rooms you are in (what the document title shows). */
export function totalUnread(rooms: readonly Room[]): number {
  return rooms.reduce((sum, r) => sum + (r.is_member ? r.unread_count : 0), 0);
}

/** "(3) #general · Chat"; no prefix when nothing is unread. */
export function documentTitle(unread: number, roomName?: string | null): string {
  const base = roomName ? `#${roomName} · Chat` : 'Chat';
  return unread > 0 ? `(${unread > 999 ? '999+' : unread}) ${base}` : base;
}

/** Badge text: "7", "99+". */
export function badgeText(count: number): string {
  return count > 99 ? '99+' : String(count);
}

/**
 * Presence as the room list reports it: each listed member is online when the server counted
 * them online (`online_member_ids`). Rooms from a server without the field change nothing.
 */
export function seedPresence(prev: Record<Id, boolean>, rooms: Room[]): Record<Id, boolean> {
  const next = { ...prev };
  for (const room of rooms) {
    if (!room.online_member_ids) continue;
    const online = new Set(room.online_member_ids);
    for (const m of room.members) next[m.id] = online.has(m.id);
  }
  return next;
}
