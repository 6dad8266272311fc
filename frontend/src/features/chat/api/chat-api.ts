import type { ApiClient } from '../../../lib/api-client';
import type { Message, MessagePage, NewMessage, ReadState, Room } from '../../../types/api';
import { PAGE_SIZE } from '../../../types/api';

export function getRoom(api: ApiClient, roomId: number): Promise<Room> {
  return api.get<Room>(`/api/rooms/${roomId}`);
}

export function joinRoom(api: ApiClient, roomId: number): Promise<Room> {
  return api.post<Room>(`/api/rooms/${roomId}/join`);
}

export function leaveRoom(api: ApiClient, roomId: number): Promise<void> {
  return api.post<void>(`/api/rooms/${roomId}/leave`);
}

/** The newest page (no cursor), the page before `before`, or the page after `after`. */
export function listMessages(
  api: ApiClient,
  roomId: number,
  cursor: { before?: number; after?: number } = {},
  limit: number = PAGE_SIZE,
): Promise<MessagePage> {
  return api.get<MessagePage>(`/api/rooms/${roomId}/messages`, {
    query: { limit, before: cursor.before, after: cursor.after },
  });
}

export function postMessage(api: ApiClient, roomId: number, body: NewMessage): Promise<Message> {
  return api.post<Message>(`/api/rooms/${roomId}/messages`, body);
}

/** Move the caller's read marker up to `messageId` (never back). */
export function markRead(api: ApiClient, roomId: number, messageId: number): Promise<ReadState> {
  return api.post<ReadState>(`/api/rooms/${roomId}/read`, { message_id: messageId });
}
