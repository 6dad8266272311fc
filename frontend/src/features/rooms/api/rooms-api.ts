import type { ApiClient } from '../../../lib/api-client';
import type { Id, Room, SearchPage } from '../../../types/api';

export function listRooms(api: ApiClient): Promise<Room[]> {
  return api.get<Room[]>('/api/rooms');
}

export function createRoom(api: ApiClient, name: string, kind: 'public' | 'private' = 'public'): Promise<Room> {
  return api.post<Room>('/api/rooms', { name, kind });
}

export function joinRoom(api: ApiClient, roomId: number): Promise<Room> {
  return api.post<Room>(`/api/rooms/${roomId}/join`);
}

export function leaveRoom(api: ApiClient, roomId: number): Promise<void> {
  return api.post<void>(`/api/rooms/${roomId}/leave`);
}

/** Opens (or creates) the direct conversation with that user. */
export function openDm(api: ApiClient, username: string): Promise<Room> {
  return api.post<Room>('/api/dms', { username });
}

export function addMember(api: ApiClient, roomId: Id, username: string): Promise<Room> {
  return api.post<Room>(`/api/rooms/${roomId}/members`, { username });
}

export function removeMember(api: ApiClient, roomId: Id, userId: Id): Promise<void> {
  return api.request<void>(`/api/rooms/${roomId}/members/${userId}`, { method: 'DELETE' });
}

export function searchMessages(
  api: ApiClient,
  q: string,
  { roomId, before, limit = 20, signal }: { roomId?: Id; before?: Id; limit?: number; signal?: AbortSignal } = {},
): Promise<SearchPage> {
  return api.get<SearchPage>('/api/search', { query: { q, room_id: roomId, before, limit }, signal });
}
