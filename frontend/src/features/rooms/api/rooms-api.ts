import type { ApiClient } from '../../../lib/api-client';
import type { Room } from '../../../types/api';

export function listRooms(api: ApiClient): Promise<Room[]> {
  return api.get<Room[]>('/api/rooms');
}

export function createRoom(api: ApiClient, name: string): Promise<Room> {
  return api.post<Room>('/api/rooms', { name });
}

export function joinRoom(api: ApiClient, roomId: number): Promise<Room> {
  return api.post<Room>(`/api/rooms/${roomId}/join`);
}

export function leaveRoom(api: ApiClient, roomId: number): Promise<void> {
  return api.post<void>(`/api/rooms/${roomId}/leave`);
}
