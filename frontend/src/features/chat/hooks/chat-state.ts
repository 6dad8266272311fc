// Pure state logic of an open room: confirmed messages (ordered and unique by
// id) and the live extras (presence, typing). Own messages not yet confirmed
// live in the outbox (./outbox.ts), which outlives a room switch; the view
// shows both. The React hook only dispatches into this reducer.
import type { Id, Message, MessagePage, SincePage, UserSummary } from '../../../types/api';
import { normalizeMessage } from '../../../types/api';
import type { PendingMessage } from './outbox';

export interface TypingEntry {
  user: UserSummary;
  until: number;
}

export interface ChatState {
  selfId: Id;
  /** Confirmed messages, ascending by id, no duplicate ids, one contiguous stretch of history. */
  messages: Message[];
  /** Whether older history exists before messages[0]. */
  hasMoreOlder: boolean;
  /** Whether the first page (REST or sync) has arrived. */
  loaded: boolean;
  /**
   * Highest id up to which we hold every message without gaps: what the next
   * `sync` asks to continue after when the room's seq is unknown (older
   * servers). A message we sent over REST while the socket was down does not
   * move it (others may have written before it).
   */
  syncedUpTo: Id | null;
  /**
   * The room's last applied change seq (issue 9): every change up to it is on
   * screen. A reconnect syncs `since` it. Null until a page told us.
   */
  lastSeq: number | null;
  /** Seqs applied live beyond lastSeq + 1: a gap before them means a change was missed. */
  aheadSeqs: number[];
  online: UserSummary[];
  typing: TypingEntry[];
}

export type ChatAction =
  /** The newest page (sync without since, or REST). `roomSeq`: the room's last_seq read before it (REST). */
  | { type: 'page/newest'; page: MessagePage; roomSeq?: number | null }
  /** A fresh newest page replacing everything (the gap was too large to catch up change by change). */
  | { type: 'page/reset'; page: MessagePage }
  | { type: 'page/older'; page: MessagePage }
  | { type: 'page/after'; page: MessagePage }
  /** Part of a `since` sync's answer: current state of every message changed after a seq, by seq. */
  | { type: 'page/since'; page: SincePage }
  /** Messages fetched to show an older one (around it, and the stretch up to what we hold). */
  | { type: 'page/window'; messages: Message[]; hasMoreOlder: boolean }
  | { type: 'message/live'; message: Message; advancesSync: boolean }
  /** A `message_updated` frame, or the answer to our own edit / reaction. */
  | { type: 'message/updated'; message: Message }
  | { type: 'message/stored'; message: Message }
  /** Our delete was accepted (204): show the tombstone before the frame comes. */
  | { type: 'message/deleted'; id: Id }
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
    lastSeq: null,
    aheadSeqs: [],
    online: [],
    typing: [],
  };
}

/** Whether `incoming` is at least as new as `existing` (higher seq wins; no seqs: the incoming one). */
function isNewer(incoming: Message, existing: Message): boolean {
  if (incoming.seq === null || existing.seq === null) return true;
  return incoming.seq >= existing.seq;
}

/**
 * Merge two id-ordered lists into one ordered by id with unique ids. When both
 * hold an id, the copy with the higher seq wins (equal, or no seqs: the incoming one).
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const byId = new Map<Id, Message>();
  for (const m of existing) byId.set(m.id, m);
  let changed = false;
  for (const raw of incoming) {
    const m = normalizeMessage(raw);
    const known = byId.get(m.id);
    if (known && !isNewer(m, known)) continue;
    byId.set(m.id, m);
    changed = true;
  }
  if (!changed) return existing as Message[];
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

function maxSeq(messages: readonly Message[]): number | null {
  let max: number | null = null;
  for (const m of messages) if (typeof m.seq === 'number' && (max === null || m.seq > max)) max = m.seq;
  return max;
}

const maxOf = (a: number | null, b: number | null | undefined): number | null =>
  b === null || b === undefined ? a : a === null || b > a ? b : a;

function advance(current: Id | null, messages: readonly Message[]): Id | null {
  return maxOf(current, maxId(messages));
}

/** Moves lastSeq to `to` (if higher), then over every seq already applied right after it. */
function withLastSeq(state: ChatState, to: number | null): ChatState {
  let lastSeq = maxOf(state.lastSeq, to);
  if (lastSeq === null) return state;
  const ahead = new Set(state.aheadSeqs.filter((s) => s > lastSeq!));
  while (ahead.has(lastSeq + 1)) {
    lastSeq += 1;
    ahead.delete(lastSeq);
  }
  const aheadSeqs = [...ahead].sort((a, b) => a - b);
  if (lastSeq === state.lastSeq && aheadSeqs.length === state.aheadSeqs.length) return state;
  return { ...state, lastSeq, aheadSeqs };
}

/** A change applied live: the next seq moves lastSeq, a later one waits in aheadSeqs (a gap). */
export function noteSeq(state: ChatState, seq: number | null): ChatState {
  if (seq === null || state.lastSeq === null || seq <= state.lastSeq) return state;
  if (seq === state.lastSeq + 1) return withLastSeq(state, seq);
  if (state.aheadSeqs.includes(seq)) return state;
  return { ...state, aheadSeqs: [...state.aheadSeqs, seq].sort((a, b) => a - b) };
}

/** A change was seen live whose predecessors are missing: time for a `since` sync. */
export function hasSeqGap(state: ChatState): boolean {
  return state.lastSeq !== null && state.aheadSeqs.length > 0;
}

/**
 * Changes to messages older than the stretch we hold are left out: they would
 * leave a hole in the history (loading older pages brings their current state).
 */
function withinHeld(state: ChatState, messages: readonly Message[]): Message[] {
  const oldest = state.messages[0];
  if (!state.hasMoreOlder || !oldest) return messages as Message[];
  const kept = messages.filter((m) => m.id >= oldest.id);
  return kept.length === messages.length ? (messages as Message[]) : kept;
}

function withMessages(state: ChatState, incoming: readonly Message[], { newMessages = false } = {}): ChatState {
  const messages = mergeMessages(state.messages, incoming);
  if (!newMessages) return messages === state.messages ? state : { ...state, messages };
  const senders = new Set(incoming.map((m) => m.sender.id));
  const typing = state.typing.filter((t) => !senders.has(t.user.id));
  return { ...state, messages, typing: typing.length === state.typing.length ? state.typing : typing };
}

function tombstone(m: Message): Message {
  return { ...m, deleted: true, content: '', reactions: [], reply_to: null, mentions: [] };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'page/newest': {
      const { messages: page, has_more } = action.page;
      const next = withMessages(state, page, { newMessages: true });
      const currentOldest = state.messages[0]?.id;
      const pageOldest = page[0]?.id;
      // The newest page decides "more older?" unless we already scrolled further back.
      const hasMoreOlder =
        currentOldest === undefined || pageOldest === undefined || pageOldest <= currentOldest
          ? has_more
          : state.hasMoreOlder;
      // The page is the current state of its messages, so its highest seq is a safe
      // place to continue from; the room's last_seq (read with it, or before it) too.
      const seq = maxOf(maxOf(maxSeq(page), action.page.last_seq), action.roomSeq);
      return withLastSeq({ ...next, loaded: true, hasMoreOlder, syncedUpTo: advance(state.syncedUpTo, page) }, seq);
    }
    case 'page/reset': {
      const messages = mergeMessages([], action.page.messages);
      return {
        ...state,
        messages,
        loaded: true,
        hasMoreOlder: action.page.has_more,
        syncedUpTo: maxId(messages),
        lastSeq: maxOf(maxSeq(messages), action.page.last_seq),
        aheadSeqs: [],
      };
    }
    case 'page/older': {
      const next = withMessages(state, action.page.messages);
      return { ...next, hasMoreOlder: action.page.has_more };
    }
    case 'page/after': {
      const next = withMessages(state, action.page.messages, { newMessages: true });
      const moved = { ...next, loaded: true, syncedUpTo: advance(state.syncedUpTo, action.page.messages) };
      // Only a server with seqs says last_seq; an `after` sync is used before we know one.
      return state.lastSeq === null ? withLastSeq(moved, action.page.last_seq ?? null) : moved;
    }
    case 'page/since': {
      const { messages, has_more, last_seq } = action.page;
      const next = withMessages(state, withinHeld(state, messages), { newMessages: true });
      // Ordered by seq: a partial page covers every change up to its last message.
      const to = has_more ? maxSeq(messages) : maxOf(maxSeq(messages), last_seq);
      const caughtUp = has_more ? next : { ...next, syncedUpTo: advance(next.syncedUpTo, next.messages) };
      return withLastSeq({ ...caughtUp, loaded: true }, to);
    }
    case 'page/window': {
      const next = withMessages(state, action.messages);
      const oldest = state.messages[0]?.id;
      const windowOldest = maxId(action.messages) === null ? undefined : Math.min(...action.messages.map((m) => m.id));
      const reachesFurther = oldest === undefined || (windowOldest !== undefined && windowOldest < oldest);
      return reachesFurther ? { ...next, hasMoreOlder: action.hasMoreOlder } : next;
    }
    case 'message/live': {
      const next = noteSeq(withMessages(state, [action.message], { newMessages: true }), action.message.seq ?? null);
      return action.advancesSync ? { ...next, syncedUpTo: advance(next.syncedUpTo, [action.message]) } : next;
    }
    case 'message/updated':
      return noteSeq(withMessages(state, withinHeld(state, [action.message])), action.message.seq ?? null);
    case 'message/stored':
      return noteSeq(withMessages(state, [action.message]), action.message.seq ?? null);
    case 'message/deleted': {
      const known = state.messages.find((m) => m.id === action.id);
      if (!known || known.deleted) return state;
      return { ...state, messages: state.messages.map((m) => (m.id === action.id ? tombstone(m) : m)) };
    }
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

/** Your newest message that can still be edited (Up in an empty composer). */
export function lastEditable(state: ChatState): Message | null {
  for (let i = state.messages.length - 1; i >= 0; i -= 1) {
    const m = state.messages[i]!;
    if (m.sender.id === state.selfId && !m.deleted) return m;
  }
  return null;
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

/** The newest confirmed message that is not deleted: the one whose being on screen marks the room read. */
export function newestMessage(state: ChatState): Message | null {
  for (let i = state.messages.length - 1; i >= 0; i -= 1) if (!state.messages[i]!.deleted) return state.messages[i]!;
  return null;
}

/** "Ada is typing…", "Ada and Bob are typing…", "Several people are typing…". */
export function typingText(entries: readonly TypingEntry[]): string | null {
  const names = entries.map((e) => e.user.username);
  if (names.length === 0) return null;
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}
