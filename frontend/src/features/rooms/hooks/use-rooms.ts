import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp } from '../../../lib/app-context';
import { isApiError } from '../../../lib/api-client';
import type { Room } from '../../../types/api';
import { createRoom, joinRoom, leaveRoom, listRooms } from '../api/rooms-api';

const REFRESH_MS = 30_000;

function sortRooms(rooms: Room[]): Room[] {
  // Newest activity first (the API's order), rooms without messages by creation.
  const key = (r: Room) => r.last_message_at ?? r.created_at;
  return [...rooms].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : b.id - a.id));
}

export interface RoomsState {
  rooms: Room[];
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
  create: (name: string) => Promise<Room>;
  join: (roomId: number) => Promise<Room>;
  leave: (roomId: number) => Promise<void>;
  /** Update a room's last activity from a live message, without a round trip. */
  touch: (roomId: number, at: string) => void;
  /** Replace one room with a fresher copy (after joining from the room view, …). */
  upsert: (room: Room) => void;
}

export function useRooms(): RoomsState {
  const { api } = useApp();
  const [rooms, setRooms] = useState<Room[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const alive = useRef(true);

  const refresh = useCallback(async () => {
    try {
      const list = await listRooms(api);
      if (!alive.current) return;
      setRooms(sortRooms(list));
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

  const upsert = useCallback((room: Room) => {
    setRooms((list) => sortRooms([...list.filter((r) => r.id !== room.id), room]));
  }, []);

  const create = useCallback(
    async (name: string) => {
      const room = await createRoom(api, name);
      upsert(room);
      return room;
    },
    [api, upsert],
  );

  const join = useCallback(
    async (roomId: number) => {
      const room = await joinRoom(api, roomId);
      upsert(room);
      return room;
    },
    [api, upsert],
  );

  const leave = useCallback(
    async (roomId: number) => {
      await leaveRoom(api, roomId);
      await refresh();
    },
    [api, refresh],
  );

  const touch = useCallback((roomId: number, at: string) => {
    setRooms((list) => {
      const room = list.find((r) => r.id === roomId);
      if (!room || (room.last_message_at && room.last_message_at >= at)) return list;
      return sortRooms(list.map((r) => (r.id === roomId ? { ...r, last_message_at: at } : r)));
    });
  }, []);

  return { rooms, loading, error, refresh, create, join, leave, touch, upsert };
}
