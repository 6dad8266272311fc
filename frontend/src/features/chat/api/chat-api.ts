import type { ApiClient } from '../../../lib/api-client';
import type { AroundPage, Message, MessagePage, NewMessage, ReadState, Room, SincePage } from '../../../types/api';
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

/** The current state of every message changed after seq `since`, ordered by seq. */
export function listSince(api: ApiClient, roomId: number, since: number, limit = 100): Promise<SincePage> {
  return api.get<SincePage>(`/api/rooms/${roomId}/messages`, { query: { since, limit } });
}

/** A message with up to limit/2 before it and the rest after, oldest first. */
export function listAround(api: ApiClient, roomId: number, messageId: number, limit: number = PAGE_SIZE): Promise<AroundPage> {
  return api.get<AroundPage>(`/api/rooms/${roomId}/messages`, { query: { around: messageId, limit } });
}

/** Your own message only; 409 once it is deleted. */
export function editMessage(api: ApiClient, roomId: number, messageId: number, content: string): Promise<Message> {
  return api.request<Message>(`/api/rooms/${roomId}/messages/${messageId}`, { method: 'PATCH', body: { content } });
}

/** Your own message, or any in a room you own. 204, also the second time. */
export function deleteMessage(api: ApiClient, roomId: number, messageId: number): Promise<void> {
  return api.request<void>(`/api/rooms/${roomId}/messages/${messageId}`, { method: 'DELETE' });
}

function reactionPath(roomId: number, messageId: number, emoji: string): string {
  return `/api/rooms/${roomId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
}

/** Idempotent: the message with your reaction. */
export function addReaction(api: ApiClient, roomId: number, messageId: number, emoji: string): Promise<Message> {
  return api.request<Message>(reactionPath(roomId, messageId, emoji), { method: 'PUT' });
}

/** Idempotent: the message without your reaction. */
export function removeReaction(api: ApiClient, roomId: number, messageId: number, emoji: string): Promise<Message> {
  return api.request<Message>(reactionPath(roomId, messageId, emoji), { method: 'DELETE' });
}
