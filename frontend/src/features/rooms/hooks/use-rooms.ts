// The room list, kept live: loaded over REST (at start, on every reconnect of
// the user connection, on focus and every 30 s while visible) and updated from
// the connection's `room`, `read` and `message` frames without a reload.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { useApp } from '../../../lib/app-context';
import { isApiError } from '../../../lib/api-client';
import { useRealtime } from '../../../lib/realtime-context';
import type { Id, Message, Room } from '../../../types/api';
import { addMember, createRoom, joinRoom, leaveRoom, listRooms, openDm, removeMember } from '../api/rooms-api';
import { countsAsUnread, emptyRooms, roomsReducer, seedPresence } from './rooms-state';

const REFRESH_MS = 30_000;

export interface RoomsState {
  rooms: Room[];
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
  create: (name: string, kind?: 'public' | 'private') => Promise<Room>;
  /** Opens (creating it if need be) the direct conversation with that user. */
  openDm: (username: string) => Promise<Room>;
  /** Owner only: add someone by username / take a member out. */
  addMember: (roomId: Id, username: string) => Promise<Room>;
  removeMember: (roomId: Id, userId: Id) => Promise<void>;
  /** Who was last seen online or offline in a `presence` frame (users not seen: unknown). */
  presence: Record<Id, boolean>;
  /** A room the owner took you out of, with its name (cleared by `dismissRemoved`). */
  removed: { roomId: Id; name: string } | null;
  dismissRemoved: () => void;
  join: (roomId: number) => Promise<Room>;
  leave: (roomId: number) => Promise<void>;
  /** Replace one room with a fresher copy (after opening or joining it from the room view, …). */
  upsert: (room: Room) => void;
  /** The open room was read up to this message (its counts drop to 0 at once). */
  markedRead: (roomId: number, messageId: number) => void;
  /** A message that did not come over the connection (our own, stored over REST). */
  noteMessage: (message: Message) => void;
}

export function useRooms({ selfId, viewedRoomId }: { selfId: Id; viewedRoomId: Id | null }): RoomsState {
  const [presence, setPresence] = useState<Record<Id, boolean>>({});
  const [removed, setRemoved] = useState<{ roomId: Id; name: string } | null>(null);
  const { api } = useApp();
  const hub = useRealtime();
  const [data, dispatch] = useReducer(roomsReducer, emptyRooms);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const alive = useRef(true);
  const viewed = useRef(viewedRoomId);
  viewed.current = viewedRoomId;
  const roomsRef = useRef(data.rooms);
  roomsRef.current = data.rooms;

  const refresh = useCallback(async () => {
    try {
      const list = await listRooms(api);
      if (!alive.current) return;
      dispatch({ type: 'loaded', rooms: list });
      // Who is online now, as the server last knew: live presence frames refine it.
      setPresence((prev) => seedPresence(prev, list));
      setError(null);
    } catch (err) {
      if (alive.current) setError(isApiError(err) ? err.message : 'Could not load rooms.');
    } finally {
      if (alive.current) setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    alive.current = true;
    void refresh();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, REFRESH_MS);
    const onFocus = () => void refresh();
    window.addEventListener('focus', onFocus);
    return () => {
      alive.current = false;
      window.clearInterval(timer);
      window.removeEventListener('focus', onFocus);
    };
  }, [refresh]);

  const noteMessage = useCallback(
    (message: Message) => {
      const visible = document.visibilityState === 'visible';
      const countUnread = countsAsUnread(message, { selfId, viewedRoomId: viewed.current, visible });
      dispatch({ type: 'message', message, selfId, countUnread });
    },
    [selfId],
  );

  // Live: the user connection carries every room's frames.
  useEffect(() => {
    // Every (re)open: what arrived while no socket was up (also between the first
    // load and the first open) reaches the rooms we are not viewing as list counts.
    const offOpen = hub.onOpen(() => void refresh());
    // An unread message edited (a mention added or taken out) or deleted: the
    // server's counts changed, ask for them (once for a burst of changes).
    let recount: number | null = null;
    const recountSoon = () => {
      if (recount !== null) return;
      recount = window.setTimeout(() => {
        recount = null;
        void refresh();
      }, 400);
    };
    const offFrame = hub.onFrame((frame) => {
      switch (frame.type) {
        case 'room':
          dispatch({ type: 'event', event: frame.event, room: frame.room, selfId });
          if (frame.event === 'removed') {
            const known = roomsRef.current.find((r) => r.id === frame.room.id);
            setRemoved({ roomId: frame.room.id, name: known?.name ?? frame.room.name });
          }
          break;
        case 'presence': {
          const online = new Set(frame.online.map((u) => u.id));
          const room = roomsRef.current.find((r) => r.id === frame.room_id);
          setPresence((prev) => {
            const next = { ...prev };
            for (const m of room?.members ?? []) next[m.id] = online.has(m.id);
            for (const id of online) next[id] = true;
            if (frame.left && !online.has(frame.left.id)) next[frame.left.id] = false;
            return next;
          });
          break;
        }
        case 'read':
          dispatch({ type: 'read', read: frame });
          break;
        case 'message':
          noteMessage(frame.message);
          break;
        case 'message_updated': {
          const m = frame.message;
          const room = roomsRef.current.find((r) => r.id === m.room_id);
          const unread = room && room.is_member && room.unread_count > 0 && (room.last_read_id === null || m.id > room.last_read_id);
          if (unread && m.sender.id !== selfId) recountSoon();
          break;
        }
        default:
          break;
      }
    });
    return () => {
      if (recount !== null) window.clearTimeout(recount);
      offOpen();
      offFrame();
    };
  }, [hub, selfId, refresh, noteMessage]);

  const upsert = useCallback((room: Room) => dispatch({ type: 'upsert', room }), []);

  const create = useCallback(
    async (name: string, kind: 'public' | 'private' = 'public') => {
      const room = await createRoom(api, name, kind);
      dispatch({ type: 'upsert', room });
      return room;
    },
    [api],
  );

  const join = useCallback(
    async (roomId: number) => {
      const room = await joinRoom(api, roomId);
      dispatch({ type: 'upsert', room });
      return room;
    },
    [api],
  );

  const leave = useCallback(
    async (roomId: number) => {
      await leaveRoom(api, roomId);
      dispatch({ type: 'left', roomId, selfId });
    },
    [api, selfId],
  );

  const markedRead = useCallback(
    (roomId: number, messageId: number) => dispatch({ type: 'marked-read', roomId, messageId }),
    [],
  );

  const startDm = useCallback(
    async (username: string) => {
      const room = await openDm(api, username);
      dispatch({ type: 'upsert', room: { ...room, is_member: true } });
      return room;
    },
    [api],
  );

  const add = useCallback(
    async (roomId: Id, username: string) => {
      const room = await addMember(api, roomId, username);
      dispatch({ type: 'upsert', room });
      return room;
    },
    [api],
  );

  const remove = useCallback(
    async (roomId: Id, userId: Id) => {
      await removeMember(api, roomId, userId);
      void refresh();
    },
    [api, refresh],
  );

  const dismissRemoved = useCallback(() => setRemoved(null), []);

  return {
    rooms: data.rooms,
    loading,
    error,
    refresh,
    create,
    join,
    leave,
    upsert,
    markedRead,
    noteMessage,
    openDm: startDm,
    addMember: add,
    removeMember: remove,
    presence,
    removed,
    dismissRemoved,
  };
}
