// Wire types: these mirror shared/API.md (v1) plus issue 8 (one connection per
// user, read markers and unread counts). Times are RFC 3339 UTC
// strings ("2026-11-23T20:31:07.123Z"); ids are positive integers.

export type Id = number;
export type Timestamp = string;

export interface UserSummary {
  id: Id;
  username: string;
}

export interface User extends UserSummary {
  created_at: Timestamp;
}

export interface LoginResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  user: User;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface Room {
  id: Id;
  name: string;
  created_by: UserSummary;
  created_at: Timestamp;
  member_count: number;
  members: UserSummary[];
  is_member: boolean;
  last_message_at: Timestamp | null;
  /** The caller's read marker (null for non-members / never set). */
  last_read_id: Id | null;
  /** Messages by others after the caller's marker (0 for non-members). */
  unread_count: number;
  /** Unread messages that mention the caller (always 0 until mentions exist). */
  mention_count: number;
}

/** The caller's per-room read state: `POST /api/rooms/{id}/read` and the `read` frame. */
export interface ReadState {
  room_id: Id;
  last_read_id: Id | null;
  unread_count: number;
  mention_count: number;
}

/** Fills the per-caller fields a server without read markers leaves out. */
export function normalizeRoom(room: Room): Room {
  return {
    ...room,
    last_read_id: room.last_read_id ?? null,
    unread_count: typeof room.unread_count === 'number' ? room.unread_count : 0,
    mention_count: typeof room.mention_count === 'number' ? room.mention_count : 0,
  };
}

export interface Message {
  id: Id;
  room_id: Id;
  sender: UserSummary;
  content: string;
  created_at: Timestamp;
  client_id: string | null;
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

export interface NewMessage {
  content: string;
  client_id?: string;
}

/** Every 4xx/5xx body: `{"error":{"code","message"}}`. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
  };
}

/** Error codes named by the contract (others may appear; treat as strings). */
export type KnownErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'validation_failed'
  | 'rate_limited'
  | 'unavailable';

export interface RuntimeConfigFile {
  apiBaseUrl?: string | null;
  wsUrl?: string | null;
}

// ---- WebSocket frames (user connection: every room frame names its room) ----

export type ClientFrame =
  | { action: 'sync'; room_id: Id; after: Id | null; limit: number }
  | { action: 'sendMessage'; room_id: Id; content: string; client_id?: string }
  | { action: 'typing'; room_id: Id }
  | { action: 'read'; room_id: Id; message_id: Id }
  | { action: 'ping' };

export interface HistoryFrame {
  type: 'history';
  room_id: Id;
  messages: Message[];
  has_more: boolean;
}

export interface MessageFrame {
  type: 'message';
  room_id: Id;
  message: Message;
}

export interface PresenceFrame {
  type: 'presence';
  room_id: Id;
  online: UserSummary[];
  joined: UserSummary | null;
  left: UserSummary | null;
}

export interface TypingFrame {
  type: 'typing';
  room_id: Id;
  user: UserSummary;
}

export interface ReadFrame extends ReadState {
  type: 'read';
}

export type RoomEvent = 'joined' | 'left' | 'updated' | 'created';

export interface RoomFrame {
  type: 'room';
  event: RoomEvent;
  room: Room;
}

export interface PongFrame {
  type: 'pong';
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  client_id?: string | null;
  room_id?: Id | null;
}

export type ServerFrame =
  | HistoryFrame
  | MessageFrame
  | PresenceFrame
  | TypingFrame
  | ReadFrame
  | RoomFrame
  | PongFrame
  | ErrorFrame;

/** Content limit from API.md, in Unicode scalar values after trimming. */
export const MAX_MESSAGE_CHARS = 4000;
export const PAGE_SIZE = 50;
