import { describe, expect, it } from 'vitest';
import type { Message } from '../../../types/api';
import { FRESH_MESSAGE_FIELDS } from '../../../types/api';
import {
  chatReducer,
  initialChatState,
  mergeMessages,
  reconcilePending,
  typingText,
  visibleMessages,
  withSelfOnline,
} from './chat-state';
import type { PendingMessage } from './outbox';

const ME = { id: 1, username: 'ada' };
const BOB = { id: 2, username: 'bob' };

function msg(id: number, over: Partial<Message> = {}): Message {
  return {
    id,
    room_id: 7,
    sender: BOB,
    content: `message ${id}`,
    created_at: new Date(Date.UTC(2026, 10, 26, 10, 0, id)).toISOString(),
    client_id: null,
    ...FRESH_MESSAGE_FIELDS,
    ...over,
  };
}

function pending(clientId: string, over: Partial<PendingMessage> = {}): PendingMessage {
  return {
    client_id: clientId,
    ...FRESH_MESSAGE_FIELDS,
    room_id: 7,
    content: `pending ${clientId}`,
    created_at: '2026-11-26T10:05:00.000Z',
    sender: ME,
    status: 'sending',
    error: null,
    retryAt: null,
    ...over,
  };
}

const ids = (list: readonly Message[]) => list.map((m) => m.id);

describe('mergeMessages', () => {
  it('orders the union by id whatever order the inputs arrive in', () => {
    expect(ids(mergeMessages([msg(5), msg(9)], [msg(7), msg(1), msg(12)]))).toEqual([1, 5, 7, 9, 12]);
  });

  it('keeps one copy per id when history and live frames overlap', () => {
    const merged = mergeMessages([msg(1), msg(2), msg(3)], [msg(2), msg(3), msg(4)]);
    expect(ids(merged)).toEqual([1, 2, 3, 4]);
  });

  it('lets the incoming copy of a duplicated id win', () => {
    const merged = mergeMessages([msg(3, { content: 'old' })], [msg(3, { content: 'new' })]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.content).toBe('new');
  });

  it('returns the same array when nothing comes in', () => {
    const list = [msg(1)];
    expect(mergeMessages(list, [])).toBe(list);
  });
});

describe('reconcilePending', () => {
  it('drops the optimistic message whose client_id the server echoed for me', () => {
    const left = reconcilePending([pending('a'), pending('b')], [msg(10, { sender: ME, client_id: 'a' })], ME.id);
    expect(left.map((p) => p.client_id)).toEqual(['b']);
  });

  it('ignores a matching client_id sent by someone else', () => {
    const list = [pending('a')];
    expect(reconcilePending(list, [msg(10, { sender: BOB, client_id: 'a' })], ME.id)).toBe(list);
  });
});

describe('chatReducer', () => {
  it('merges history pages and live messages into one ordered, duplicate-free list', () => {
    let s = initialChatState(ME.id);
    s = chatReducer(s, { type: 'message/live', message: msg(52), advancesSync: false });
    s = chatReducer(s, { type: 'page/newest', page: { messages: [msg(50), msg(51), msg(52)], has_more: true } });
    s = chatReducer(s, { type: 'page/older', page: { messages: [msg(48), msg(49)], has_more: false } });
    s = chatReducer(s, { type: 'message/live', message: msg(53), advancesSync: true });
    s = chatReducer(s, { type: 'page/after', page: { messages: [msg(53), msg(54)], has_more: false } });
    expect(ids(s.messages)).toEqual([48, 49, 50, 51, 52, 53, 54]);
    expect(s.hasMoreOlder).toBe(false);
    expect(s.syncedUpTo).toBe(54);
    expect(s.loaded).toBe(true);
  });

  it('shows an own message once while both the echo and the outbox entry exist', () => {
    let s = initialChatState(ME.id);
    const waiting = [pending('cid1')];
    expect(visibleMessages(s, waiting).map((v) => v.kind)).toEqual(['pending']);
    s = chatReducer(s, {
      type: 'message/live',
      message: msg(60, { sender: ME, client_id: 'cid1', content: 'pending cid1' }),
      advancesSync: true,
    });
    // The outbox has not dropped it yet: the confirmed copy wins.
    const visible = visibleMessages(s, waiting);
    expect(visible).toHaveLength(1);
    expect(visible[0]!.kind).toBe('confirmed');
  });

  it('shows a retried message once when both the REST answer and the live echo arrive', () => {
    let s = initialChatState(ME.id);
    const stored = msg(61, { sender: ME, client_id: 'cid2' });
    s = chatReducer(s, { type: 'message/stored', message: stored });
    s = chatReducer(s, { type: 'message/live', message: stored, advancesSync: true });
    expect(visibleMessages(s, [pending('cid2')])).toHaveLength(1);
  });

  it('lists pending messages after the confirmed ones, in the order written', () => {
    const s = chatReducer(initialChatState(ME.id), { type: 'page/newest', page: { messages: [msg(1)], has_more: false } });
    const list = visibleMessages(s, [pending('a', { status: 'queued' }), pending('b', { status: 'queued' })]);
    expect(list.map((v) => (v.kind === 'confirmed' ? v.message.id : v.message.client_id))).toEqual([1, 'a', 'b']);
  });

  it('does not move the sync point for a message stored over REST (it may skip others)', () => {
    let s = initialChatState(ME.id);
    s = chatReducer(s, { type: 'page/newest', page: { messages: [msg(10)], has_more: false } });
    s = chatReducer(s, { type: 'message/stored', message: msg(20, { sender: ME, client_id: 'r' }) });
    expect(s.syncedUpTo).toBe(10);
    s = chatReducer(s, { type: 'message/live', message: msg(21), advancesSync: false });
    expect(s.syncedUpTo).toBe(10);
  });

  it('keeps hasMoreOlder from older pages when a newer newest page arrives later', () => {
    let s = initialChatState(ME.id);
    s = chatReducer(s, { type: 'page/newest', page: { messages: [msg(50), msg(51)], has_more: true } });
    s = chatReducer(s, { type: 'page/older', page: { messages: [msg(1), msg(49)], has_more: false } });
    s = chatReducer(s, { type: 'page/newest', page: { messages: [msg(51), msg(52)], has_more: true } });
    expect(s.hasMoreOlder).toBe(false);
    expect(ids(s.messages)).toEqual([1, 49, 50, 51, 52]);
  });

  it('lists each online user once, sorted by name', () => {
    const s = chatReducer(initialChatState(ME.id), {
      type: 'presence',
      online: [BOB, ME, BOB, { id: 3, username: 'carol' }],
    });
    expect(s.online.map((u) => u.username)).toEqual(['ada', 'bob', 'carol']);
  });

  it('always counts yourself as online', () => {
    expect(withSelfOnline([BOB], ME).map((u) => u.username)).toEqual(['ada', 'bob']);
    const withMe = [ME, BOB];
    expect(withSelfOnline(withMe, ME)).toBe(withMe);
    expect(withSelfOnline([], ME)).toEqual([ME]);
  });

  it('shows typing for others only, until it expires or they send', () => {
    let s = initialChatState(ME.id);
    s = chatReducer(s, { type: 'typing', user: ME, until: 5000 });
    expect(s.typing).toEqual([]);
    s = chatReducer(s, { type: 'typing', user: BOB, until: 5000 });
    expect(typingText(s.typing)).toBe('bob is typing…');
    s = chatReducer(s, { type: 'typing/expire', now: 4000 });
    expect(s.typing).toHaveLength(1);
    s = chatReducer(s, { type: 'message/live', message: msg(70), advancesSync: true });
    expect(s.typing).toEqual([]);
    s = chatReducer(s, { type: 'typing', user: BOB, until: 5000 });
    s = chatReducer(s, { type: 'typing/expire', now: 5000 });
    expect(typingText(s.typing)).toBeNull();
  });
});
