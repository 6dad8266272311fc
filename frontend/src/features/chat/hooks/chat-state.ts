// Pure state logic of an open room: confirmed messages (ordered and unique by
// id) and the live extras (presence, typing). Own messages not yet confirmed
// live in the outbox (./outbox.ts), which outlives a room switch; the view
// shows both. The React hook only dispatches into this reducer.
import type { Id, Message, MessagePage, UserSummary } from '../../../types/api';
import type { PendingMessage } from './outbox';

export interface TypingEntry {
  user: UserSummary;
  until: number;
}

export interface ChatState {
  selfId: Id;
  /** Confirmed messages, ascending by id, no duplicate ids. */
  messages: Message[];
  /** Whether older history exists before messages[0]. */
  hasMoreOlder: boolean;
  /** Whether the first page (REST or sync) has arrived. */
  loaded: boolean;
  /**
   * Highest id up to which we hold every message without gaps: what the next
   * `sync` asks to continue after. A message we sent over REST while the socket
   * was down does not move it (others may have written before it).
   */
  syncedUpTo: Id | null;
  online: UserSummary[];
  typing: TypingEntry[];
}

export type ChatAction =
  | { type: 'page/newest'; page: MessagePage }
  | { type: 'page/older'; page: MessagePage }
  | { type: 'page/after'; page: MessagePage }
  | { type: 'message/live'; message: Message; advancesSync: boolean }
  | { type: 'message/stored'; message: Message }
  | { type: 'presence'; online: UserSummary[] }
  | { type: 'typing'; user: UserSummary; until: number }
  | { type: 'typing/expire'; now: number };

export function initialChatState(selfId: Id): ChatState {
  return {
    selfId,
    messages: [],
    hasMoreOlder: false,
    loaded: false,
    syncedUpTo: null,
    online: [],
    typing: [],
  };
}

/**
 * Merge two id-ordered lists into one ordered by id with unique ids. When both
 * hold an id, the incoming copy wins (it is the newer view of that message).
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const byId = new Map<Id, Message>();
  for (const m of existing) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Own messages still waiting, minus those the server has confirmed (same sender, same client_id). */
export function reconcilePending(
  pending: readonly PendingMessage[],
  confirmed: readonly Message[],
  selfId: Id,
): PendingMessage[] {
  if (pending.length === 0) return pending as PendingMessage[];
  const confirmedIds = new Set<string>();
  for (const m of confirmed) {
    if (m.client_id && m.sender.id === selfId) confirmedIds.add(m.client_id);
  }
  if (confirmedIds.size === 0) return pending as PendingMessage[];
  const left = pending.filter((p) => !confirmedIds.has(p.client_id));
  return left.length === pending.length ? (pending as PendingMessage[]) : left;
}

function maxId(messages: readonly Message[]): Id | null {
  let max: Id | null = null;
  for (const m of messages) if (max === null || m.id > max) max = m.id;
  return max;
}

function advance(current: Id | null, messages: readonly Message[]): Id | null {
  const top = maxId(messages);
  if (top === null) return current;
  return current === null || top > current ? top : current;
}

function withMessages(state: ChatState, incoming: readonly Message[]): ChatState {
  const messages = mergeMessages(state.messages, incoming);
  const senders = new Set(incoming.map((m) => m.sender.id));
  const typing = state.typing.filter((t) => !senders.has(t.user.id));
  return { ...state, messages, typing: typing.length === state.typing.length ? state.typing : typing };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'page/newest': {
      const { messages: page, has_more } = action.page;
      const next = withMessages(state, page);
      const currentOldest = state.messages[0]?.id;
      const pageOldest = page[0]?.id;
      // The newest page decides "more older?" unless we already scrolled further back.
      const hasMoreOlder =
        currentOldest === undefined || pageOldest === undefined || pageOldest <= currentOldest
          ? has_more
          : state.hasMoreOlder;
      return { ...next, loaded: true, hasMoreOlder, syncedUpTo: advance(state.syncedUpTo, page) };
    }
    case 'page/older': {
      const next = withMessages(state, action.page.messages);
      return { ...next, hasMoreOlder: action.page.has_more };
    }
    case 'page/after': {
      const next = withMessages(state, action.page.messages);
      return { ...next, loaded: true, syncedUpTo: advance(state.syncedUpTo, action.page.messages) };
    }
    case 'message/live': {
      const next = withMessages(state, [action.message]);
      return action.advancesSync ? { ...next, syncedUpTo: advance(state.syncedUpTo, [action.message]) } : next;
    }
    case 'message/stored':
      return withMessages(state, [action.message]);
    case 'presence': {
      const seen = new Set<Id>();
      const online: UserSummary[] = [];
      for (const u of action.online) {
        if (!seen.has(u.id)) {
          seen.add(u.id);
          online.push(u);
        }
      }
      online.sort((a, b) => a.username.localeCompare(b.username));
      const typing = state.typing.filter((t) => seen.has(t.user.id));
      return { ...state, online, typing };
    }
    case 'typing': {
      if (action.user.id === state.selfId) return state;
      const others = state.typing.filter((t) => t.user.id !== action.user.id);
      return { ...state, typing: [...others, { user: action.user, until: action.until }] };
    }
    case 'typing/expire': {
      const typing = state.typing.filter((t) => t.until > action.now);
      return typing.length === state.typing.length ? state : { ...state, typing };
    }
  }
}

/** What the list shows: confirmed messages by id, then own messages still in flight. */
export type TimelineMessage =
  | { kind: 'confirmed'; message: Message }
  | { kind: 'pending'; message: PendingMessage };

export function visibleMessages(state: ChatState, pending: readonly PendingMessage[] = []): TimelineMessage[] {
  const out: TimelineMessage[] = state.messages.map((message) => ({ kind: 'confirmed', message }));
  // The echo and the outbox's own bookkeeping may land in either order: never show both.
  for (const p of reconcilePending(pending, state.messages, state.selfId)) out.push({ kind: 'pending', message: p });
  return out;
}

/** The online list with yourself in it: you are online whenever you are looking. */
export function withSelfOnline(online: readonly UserSummary[], self: UserSummary): UserSummary[] {
  if (online.some((u) => u.id === self.id)) return online as UserSummary[];
  return [...online, self].sort((a, b) => a.username.localeCompare(b.username));
}

/** The newest confirmed message, the one whose being on screen marks the room read. */
export function newestMessage(state: ChatState): Message | null {
  return state.messages[state.messages.length - 1] ?? null;
}

/** "Ada is typing…", "Ada and Bob are typing…", "Several people are typing…". */
export function typingText(entries: readonly TypingEntry[]): string | null {
  const names = entries.map((e) => e.user.username);
  if (names.length === 0) return null;
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}
