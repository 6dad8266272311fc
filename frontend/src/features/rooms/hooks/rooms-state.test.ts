import { describe, expect, it } from 'vitest';
import type { Message, Room } from '../../../types/api';
import { FRESH_MESSAGE_FIELDS } from '../../../types/api';
import { badgeText, countsAsUnread, documentTitle, emptyRooms, roomsReducer, seedPresence, totalUnread, type RoomsData } from './rooms-state';

const ME = { id: 1, username: 'ada' };
const BOB = { id: 2, username: 'bob' };
const CAROL = { id: 3, username: 'carol' };

function room(id: number, over: Partial<Room> = {}): Room {
  return {
    id,
    name: `room-${id}`,
    created_by: BOB,
    created_at: `2026-12-01T09:00:0${id}.000Z`,
    member_count: 2,
    members: [ME, BOB],
    is_member: true,
    last_message_at: null,
    last_read_id: null,
    unread_count: 0,
    mention_count: 0,
    ...over,
  };
}

function msg(id: number, roomId: number, over: Partial<Message> = {}): Message {
  return {
    id,
    room_id: roomId,
    sender: BOB,
    content: `m${id}`,
    created_at: new Date(Date.UTC(2026, 11, 1, 10, 0, id)).toISOString(),
    client_id: null,
    ...FRESH_MESSAGE_FIELDS,
    ...over,
  };
}

const loaded = (...rooms: Room[]): RoomsData => roomsReducer(emptyRooms, { type: 'loaded', rooms });
const byId = (data: RoomsData, id: number) => data.rooms.find((r) => r.id === id)!;
const live = (data: RoomsData, m: Message, countUnread = true) =>
  roomsReducer(data, { type: 'message', message: m, selfId: ME.id, countUnread });

describe('countsAsUnread', () => {
  const where = { selfId: ME.id, viewedRoomId: 5, visible: true };
  it('counts messages by others in rooms you are not viewing', () => {
    expect(countsAsUnread(msg(1, 6), where)).toBe(true);
  });
  it('does not count the room on screen in a visible tab, but does while the tab is hidden', () => {
    expect(countsAsUnread(msg(1, 5), where)).toBe(false);
    expect(countsAsUnread(msg(1, 5), { ...where, visible: false })).toBe(true);
  });
  it('never counts your own messages', () => {
    expect(countsAsUnread(msg(1, 6, { sender: ME }), where)).toBe(false);
  });
});

describe('unread bookkeeping', () => {
  it('bumps a room once per new message by others, and moves it to the top', () => {
    let s = loaded(room(1, { last_message_at: '2026-12-01T09:30:00.000Z' }), room(2));
    s = live(s, msg(10, 2));
    s = live(s, msg(10, 2)); // the same frame twice (retry, second tab echo)
    s = live(s, msg(11, 2));
    expect(byId(s, 2).unread_count).toBe(2);
    expect(s.rooms[0]!.id).toBe(2);
    expect(byId(s, 2).last_message_at).toBe(msg(11, 2).created_at);
  });

  it('a live message mentioning you bumps the mention count too (once), others do not', () => {
    let s = loaded(room(1), room(2));
    s = live(s, msg(10, 2, { mentions: [ME] }));
    s = live(s, msg(10, 2, { mentions: [ME] })); // the same frame again
    s = live(s, msg(11, 2, { mentions: [BOB] }));
    s = live(s, msg(12, 2));
    expect(byId(s, 2)).toMatchObject({ unread_count: 3, mention_count: 1 });
    s = live(s, msg(13, 1, { mentions: [ME] }), false); // the room being read
    expect(byId(s, 1).mention_count).toBe(0);
  });

  it('does not count what the caller decided is being read, nor messages at or below the marker', () => {
    let s = loaded(room(1, { last_read_id: 20 }));
    s = live(s, msg(15, 1));
    s = live(s, msg(21, 1), false);
    expect(byId(s, 1).unread_count).toBe(0);
    s = live(s, msg(22, 1));
    expect(byId(s, 1).unread_count).toBe(1);
  });

  it('does not count a message the loaded list already counted', () => {
    const m = msg(30, 1);
    let s = loaded(room(1, { unread_count: 1, last_message_at: m.created_at }));
    s = live(s, m); // the frame arrived after the list that included it
    expect(byId(s, 1).unread_count).toBe(1);
  });

  it('treats your own message as reading the room (the server moves your marker)', () => {
    let s = loaded(room(1, { unread_count: 4, last_read_id: 3 }));
    s = live(s, msg(9, 1, { sender: ME }));
    expect(byId(s, 1)).toMatchObject({ unread_count: 0, last_read_id: 9 });
  });

  it('takes counts from read frames, ignoring a marker older than the one held', () => {
    let s = loaded(room(1, { unread_count: 3, last_read_id: 10 }));
    s = roomsReducer(s, { type: 'read', read: { room_id: 1, last_read_id: 14, unread_count: 1, mention_count: 1 } });
    expect(byId(s, 1)).toMatchObject({ last_read_id: 14, unread_count: 1, mention_count: 1 });
    s = roomsReducer(s, { type: 'read', read: { room_id: 1, last_read_id: 12, unread_count: 5, mention_count: 0 } });
    expect(byId(s, 1)).toMatchObject({ last_read_id: 14, unread_count: 1 });
  });

  it('clears counts at once when the open room is marked read', () => {
    let s = loaded(room(1, { unread_count: 3, mention_count: 1, last_read_id: 10 }));
    s = roomsReducer(s, { type: 'marked-read', roomId: 1, messageId: 13 });
    expect(byId(s, 1)).toMatchObject({ last_read_id: 13, unread_count: 0, mention_count: 0 });
  });

  it('keeps a locally newer count when a list answer was computed before the last message', () => {
    let s = loaded(room(1, { last_message_at: '2026-12-01T10:00:01.000Z', unread_count: 1 }));
    s = live(s, msg(40, 1));
    expect(byId(s, 1).unread_count).toBe(2);
    s = roomsReducer(s, { type: 'loaded', rooms: [room(1, { last_message_at: '2026-12-01T10:00:01.000Z', unread_count: 1 })] });
    expect(byId(s, 1).unread_count).toBe(2);
    // A fresher list wins.
    s = roomsReducer(s, { type: 'loaded', rooms: [room(1, { last_message_at: msg(40, 1).created_at, unread_count: 0 })] });
    expect(byId(s, 1).unread_count).toBe(0);
  });

  it('sums unread over your rooms for the title; no prefix at 0', () => {
    const rooms = [room(1, { unread_count: 2 }), room(2, { unread_count: 1 }), room(3, { is_member: false, unread_count: 9 })];
    expect(totalUnread(rooms)).toBe(3);
    expect(documentTitle(3)).toBe('(3) Chat');
    expect(documentTitle(3, 'general')).toBe('(3) #general · Chat');
    expect(documentTitle(0)).toBe('Chat');
    expect(documentTitle(0, 'general')).toBe('#general · Chat');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(120)).toBe('99+');
  });
});

describe('room frames', () => {
  it('updated: takes the shared fields and keeps your own', () => {
    let s = loaded(room(1, { unread_count: 4, last_read_id: 7, mention_count: 1 }));
    const theirs = room(1, {
      name: 'renamed',
      member_count: 3,
      members: [ME, BOB, CAROL],
      is_member: false, // the sender's view, not ours
      unread_count: 0,
      last_read_id: null,
      mention_count: 0,
    });
    s = roomsReducer(s, { type: 'event', event: 'updated', room: theirs, selfId: ME.id });
    expect(byId(s, 1)).toMatchObject({ name: 'renamed', member_count: 3, is_member: true, unread_count: 4, last_read_id: 7, mention_count: 1 });
    expect(byId(s, 1).members).toHaveLength(3);
  });

  it('joined (another tab joined or created it): added to your rooms', () => {
    let s = loaded(room(1, { is_member: false }));
    s = roomsReducer(s, { type: 'event', event: 'joined', room: room(1, { member_count: 3 }), selfId: ME.id });
    s = roomsReducer(s, { type: 'event', event: 'joined', room: room(2), selfId: ME.id });
    expect(s.rooms.filter((r) => r.is_member).map((r) => r.id).sort()).toEqual([1, 2]);
    expect(byId(s, 1).member_count).toBe(3);
  });

  it('left: back to discover with no counts', () => {
    let s = loaded(room(1, { unread_count: 2, last_read_id: 5 }));
    s = roomsReducer(s, { type: 'event', event: 'left', room: room(1, { member_count: 1, members: [BOB] }), selfId: ME.id });
    expect(byId(s, 1)).toMatchObject({ is_member: false, unread_count: 0, last_read_id: null, member_count: 1 });
  });

  it('created: appears in discover once, as a room you are not in', () => {
    let s = loaded(room(1));
    const created = room(9, { members: [CAROL], member_count: 1, is_member: false });
    s = roomsReducer(s, { type: 'event', event: 'created', room: created, selfId: ME.id });
    s = roomsReducer(s, { type: 'event', event: 'created', room: created, selfId: ME.id });
    expect(s.rooms.filter((r) => r.id === 9)).toHaveLength(1);
    expect(byId(s, 9)).toMatchObject({ is_member: false, unread_count: 0 });
  });

  it('our own leave is applied at once: membership, member list and count', () => {
    let s = loaded(room(1, { unread_count: 1 }));
    s = roomsReducer(s, { type: 'left', roomId: 1, selfId: ME.id });
    expect(byId(s, 1)).toMatchObject({ is_member: false, member_count: 1, unread_count: 0 });
    expect(byId(s, 1).members).toEqual([BOB]);
  });

  it('fills per-caller fields a server without read markers leaves out', () => {
    const old = { ...room(1) } as Partial<Room>;
    delete old.unread_count;
    delete old.mention_count;
    delete old.last_read_id;
    const s = loaded(old as Room);
    expect(byId(s, 1)).toMatchObject({ unread_count: 0, mention_count: 0, last_read_id: null });
  });
});

describe('issue 10: private and direct rooms in the list', () => {
  it('`removed` drops a private room; a public one stays as not joined', () => {
    const data = loaded(room(1, { kind: 'private', unread_count: 2 }), room(2, { kind: 'public', unread_count: 1 }));
    const gone = roomsReducer(data, { type: 'event', event: 'removed', room: room(1, { kind: 'private', members: [BOB] }), selfId: ME.id });
    expect(gone.rooms.map((r) => r.id)).toEqual([2]);
    const pub = roomsReducer(data, { type: 'event', event: 'removed', room: room(2, { kind: 'public', members: [BOB] }), selfId: ME.id });
    const kept = pub.rooms.find((r) => r.id === 2)!;
    expect(kept.is_member).toBe(false);
    expect(kept.unread_count).toBe(0);
  });

  it('a private room you are added to appears with `joined`; leaving it drops it', () => {
    const joined = roomsReducer(emptyRooms, { type: 'event', event: 'joined', room: room(5, { kind: 'private' }), selfId: ME.id });
    expect(joined.rooms.map((r) => r.id)).toEqual([5]);
    expect(roomsReducer(joined, { type: 'left', roomId: 5, selfId: ME.id }).rooms).toEqual([]);
  });

  it('an `updated` frame carries a new owner but keeps your name for a direct room', () => {
    const data = loaded(room(1, { kind: 'private', owner_id: BOB.id }), room(2, { kind: 'direct', name: 'bob', owner_id: null }));
    const owner = roomsReducer(data, { type: 'event', event: 'updated', room: room(1, { kind: 'private', owner_id: ME.id }), selfId: ME.id });
    expect(owner.rooms.find((r) => r.id === 1)!.owner_id).toBe(ME.id);
    const dm = roomsReducer(data, { type: 'event', event: 'updated', room: room(2, { kind: 'direct', name: 'ada', owner_id: null }), selfId: ME.id });
    expect(dm.rooms.find((r) => r.id === 2)!.name).toBe('bob');
  });
});

describe('seedPresence', () => {
  it('takes who is online from the room list and leaves rooms without the field alone', () => {
    const seeded = seedPresence({ 99: true }, [
      room(1, { online_member_ids: [ME.id] }),
      room(2, { members: [{ id: 99, username: 'old' }] }),
    ]);
    expect(seeded).toEqual({ [ME.id]: true, [BOB.id]: false, 99: true });
    const later = seedPresence(seeded, [room(1, { online_member_ids: [ME.id, BOB.id] })]);
    expect(later[BOB.id]).toBe(true);
  });
});
