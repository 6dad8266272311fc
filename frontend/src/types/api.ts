// Wire types: these mirror shared/API.md (v1) exactly. Times are RFC 3339 UTC
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

// ---- WebSocket frames -----------------------------------------------------

export type ClientFrame =
  | { action: 'sync'; after: Id | null; limit: number }
  | { action: 'sendMessage'; content: string; client_id?: string }
  | { action: 'typing' }
  | { action: 'ping' };

export interface HistoryFrame {
  type: 'history';
  messages: Message[];
  has_more: boolean;
}

export interface MessageFrame {
  type: 'message';
  message: Message;
}

export interface PresenceFrame {
  type: 'presence';
  online: UserSummary[];
  joined: UserSummary | null;
  left: UserSummary | null;
}

export interface TypingFrame {
  type: 'typing';
  user: UserSummary;
}

export interface PongFrame {
  type: 'pong';
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  client_id?: string | null;
}

export type ServerFrame =
  | HistoryFrame
  | MessageFrame
  | PresenceFrame
  | TypingFrame
  | PongFrame
  | ErrorFrame;

/** Content limit from API.md, in Unicode scalar values after trimming. */
export const MAX_MESSAGE_CHARS = 4000;
export const PAGE_SIZE = 50;
