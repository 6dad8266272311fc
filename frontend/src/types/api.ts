// Wire types: these mirror docs/api.md (v1 and v2: one connection per
// user, read markers and unread counts, edits, deletions, replies, reactions,
// mentions, the per-room change seq). Times are RFC 3339 UTC
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
  /** Members who are online now (either kind of connection); absent from older servers. */
  online_member_ids?: Id[];
  is_member: boolean;
  last_message_at: Timestamp | null;
  /** The caller's read marker (null for non-members / never set). */
  last_read_id: Id | null;
  /** Messages by others after the caller's marker (0 for non-members). */
  unread_count: number;
  /** Unread messages that mention the caller. */
  mention_count: number;
  /** The room's latest change seq (issue 9; absent on older servers). */
  last_seq?: number;
  /** The room's owner (its creator; null for direct and ownerless rooms): may delete anyone's message. */
  owner_id?: Id | null;
  /** Issue 10: public (listed to all), private (members only), direct (two people; `name` is the other one). */
  kind?: RoomKind;
  /** The caller's role (null for non-members). */
  role?: 'owner' | 'member' | null;
}

export type RoomKind = 'public' | 'private' | 'direct';

/** `GET /api/search`: matching messages, newest first, each naming its room. */
export interface SearchPage {
  messages: Message[];
  has_more: boolean;
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

/** The parent of a reply as the reply carries it; `excerpt` is "" once the parent is deleted. */
export interface ReplyRef {
  id: Id;
  sender: UserSummary;
  excerpt: string;
}

export interface Reaction {
  emoji: string;
  count: number;
  user_ids: Id[];
}

export interface Message {
  id: Id;
  room_id: Id;
  sender: UserSummary;
  content: string;
  created_at: Timestamp;
  client_id: string | null;
  /** The room seq of this message's latest change (null on servers without seqs). */
  seq: number | null;
  edited_at: Timestamp | null;
  /** A tombstone: content "", no reactions, no reply, no mentions. */
  deleted: boolean;
  reply_to: ReplyRef | null;
  /** Ordered by first use. */
  reactions: Reaction[];
  /** Room members named as @username in the content. */
  mentions: UserSummary[];
}

/** A message's lifecycle fields before anything happened to it. */
export const FRESH_MESSAGE_FIELDS = Object.freeze({
  seq: null,
  edited_at: null,
  deleted: false,
  reply_to: null,
  reactions: [] as Reaction[],
  mentions: [] as UserSummary[],
}) satisfies Pick<Message, 'seq' | 'edited_at' | 'deleted' | 'reply_to' | 'reactions' | 'mentions'>;

/** Fills the fields a server without the message lifecycle (issue 9) leaves out. */
export function normalizeMessage(m: Message): Message {
  if (
    typeof m.seq === 'number' &&
    m.edited_at !== undefined &&
    typeof m.deleted === 'boolean' &&
    m.reply_to !== undefined &&
    Array.isArray(m.reactions) &&
    Array.isArray(m.mentions)
  ) {
    return m;
  }
  return {
    ...m,
    seq: typeof m.seq === 'number' ? m.seq : null,
    edited_at: m.edited_at ?? null,
    deleted: m.deleted === true,
    reply_to: m.reply_to ?? null,
    reactions: Array.isArray(m.reactions) ? m.reactions : [],
    mentions: Array.isArray(m.mentions) ? m.mentions : [],
  };
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
  /** The room's latest seq when the page was read (issue 9 servers). */
  last_seq?: number;
}

/** `?since=<seq>`: the current state of every message changed after that seq, ordered by seq. */
export interface SincePage {
  messages: Message[];
  has_more: boolean;
  last_seq: number;
}

/** `?around=<id>`: that message with some before and after it, oldest first. */
export interface AroundPage {
  messages: Message[];
  has_more: boolean;
  has_more_after: boolean;
}

export interface NewMessage {
  content: string;
  client_id?: string;
  reply_to?: Id;
}

/**
 * `POST /api/ws-ticket` (201): a single-use ticket for one WebSocket upgrade
 * (`$connect?ticket=…`), valid `expires_in` seconds, so the JWT never goes in a URL.
 */
export interface WsTicket {
  ticket: string;
  expires_in: number;
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
  | { action: 'sync'; room_id: Id; after: Id | null; since?: number | null; limit: number }
  | { action: 'sendMessage'; room_id: Id; content: string; client_id?: string; reply_to?: Id }
  | { action: 'editMessage'; room_id: Id; message_id: Id; content: string }
  | { action: 'deleteMessage'; room_id: Id; message_id: Id }
  | { action: 'addReaction' | 'removeReaction'; room_id: Id; message_id: Id; emoji: string }
  | { action: 'typing'; room_id: Id }
  | { action: 'read'; room_id: Id; message_id: Id }
  | { action: 'ping' };

export interface HistoryFrame {
  type: 'history';
  room_id: Id;
  messages: Message[];
  has_more: boolean;
  /** The `since` the sync asked (issue 9), when it asked one. */
  since?: number | null;
  /** The room's latest seq (issue 9). */
  last_seq?: number;
}

export interface MessageFrame {
  type: 'message';
  room_id: Id;
  message: Message;
}

/** A message was edited, deleted (tombstone), its reactions or its reply excerpt changed. */
export interface MessageUpdatedFrame {
  type: 'message_updated';
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

export type RoomEvent = 'joined' | 'left' | 'removed' | 'updated' | 'created';

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
  | MessageUpdatedFrame
  | PresenceFrame
  | TypingFrame
  | ReadFrame
  | RoomFrame
  | PongFrame
  | ErrorFrame;

/** Content limit from docs/api.md, in Unicode scalar values after trimming. */
export const MAX_MESSAGE_CHARS = 4000;
export const PAGE_SIZE = 50;
