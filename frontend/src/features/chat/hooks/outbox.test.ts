import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../lib/api-client';
import type { ClientFrame, Message, NewMessage, ServerFrame } from '../../../types/api';
import { FRESH_MESSAGE_FIELDS } from '../../../types/api';
import { Outbox, RATE_LIMITED_TEXT } from './outbox';

const ME = { id: 1, username: 'ada' };

interface Post {
  roomId: number;
  body: NewMessage;
  resolve: (m: Message) => void;
  reject: (e: unknown) => void;
}

function setup() {
  let open = true;
  let online = true;
  let nextId = 0;
  let nextMessageId = 100;
  const frames: ClientFrame[] = [];
  const posts: Post[] = [];
  const stored: Message[] = [];
  const outbox = new Outbox({
    self: ME,
    sendFrame: (f) => {
      if (!open) return false;
      frames.push(f);
      return true;
    },
    isOnline: () => online,
    post: (roomId, body) =>
      new Promise<Message>((resolve, reject) => {
        posts.push({ roomId, body, resolve, reject });
      }),
    timers: {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      now: () => Date.now(),
    },
    newId: () => `c${++nextId}`,
    rateLimitBackoff: { random: () => 0 }, // waits 1 s, 2 s, 4 s … (half of 2 s, 4 s, 8 s)
    networkBackoff: { random: () => 0 },
  });
  outbox.onStored((m) => stored.push(m));
  const sends = () => frames.filter((f) => f.action === 'sendMessage') as Extract<ClientFrame, { action: 'sendMessage' }>[];
  const echo = (clientId: string, roomId = 7): ServerFrame => {
    const f = sends().find((s) => s.client_id === clientId)!;
    return {
      type: 'message',
      room_id: roomId,
      message: {
        id: ++nextMessageId,
        room_id: roomId,
        sender: ME,
        content: f.content,
        created_at: new Date().toISOString(),
        client_id: clientId,
        ...FRESH_MESSAGE_FIELDS,
      },
    };
  };
  const answer = (p: Post): Message => ({
    id: ++nextMessageId,
    room_id: p.roomId,
    sender: ME,
    content: p.body.content,
    created_at: new Date().toISOString(),
    client_id: p.body.client_id ?? null,
    ...FRESH_MESSAGE_FIELDS,
  });
  return {
    outbox,
    frames,
    posts,
    stored,
    sends,
    echo,
    answer,
    setOpen: (v: boolean) => {
      open = v;
    },
    setOnline: (v: boolean) => {
      online = v;
    },
    statuses: (roomId = 7) => outbox.pendingFor(roomId).map((p) => `${p.content}:${p.status}`),
  };
}

const flush = () => Promise.resolve().then(() => Promise.resolve());

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Outbox', () => {
  it('sends over the socket one at a time, in the order written', () => {
    const t = setup();
    t.outbox.add(7, 'one');
    t.outbox.add(7, 'two');
    t.outbox.add(7, 'three');
    expect(t.sends().map((f) => f.content)).toEqual(['one']);
    expect(t.statuses()).toEqual(['one:sending', 'two:queued', 'three:queued']);
    t.outbox.handleFrame(t.echo('c1'));
    expect(t.sends().map((f) => f.content)).toEqual(['one', 'two']);
    t.outbox.handleFrame(t.echo('c2'));
    t.outbox.handleFrame(t.echo('c3'));
    expect(t.sends().map((f) => [f.room_id, f.client_id])).toEqual([
      [7, 'c1'],
      [7, 'c2'],
      [7, 'c3'],
    ]);
    expect(t.outbox.pendingFor(7)).toEqual([]);
  });

  it('keeps rooms independent: one room waiting does not hold up another', () => {
    const t = setup();
    t.outbox.add(7, 'in seven');
    t.outbox.add(8, 'in eight');
    expect(t.sends().map((f) => f.room_id)).toEqual([7, 8]);
  });

  it('queues while offline and sends in order, same client_ids, once the connection is back', async () => {
    const t = setup();
    t.setOpen(false);
    t.setOnline(false);
    t.outbox.add(7, 'first');
    t.outbox.add(7, 'second');
    expect(t.statuses()).toEqual(['first:queued', 'second:queued']);
    expect(t.posts).toHaveLength(0);
    vi.advanceTimersByTime(60_000);
    expect(t.posts).toHaveLength(0); // nothing is tried while the browser says offline

    t.setOnline(true);
    t.setOpen(true);
    t.outbox.connectionOpened();
    expect(t.sends().map((f) => [f.content, f.client_id])).toEqual([['first', 'c1']]);
    t.outbox.connectionOpened(); // a second open event does not send it twice
    expect(t.sends()).toHaveLength(1);
    t.outbox.handleFrame(t.echo('c1'));
    t.outbox.handleFrame(t.echo('c2'));
    expect(t.sends().map((f) => [f.content, f.client_id])).toEqual([
      ['first', 'c1'],
      ['second', 'c2'],
    ]);
    await flush();
    expect(t.outbox.pendingFor(7)).toEqual([]);
  });

  it('uses REST when the socket is down, and keeps it queued when REST is unreachable', async () => {
    const t = setup();
    t.setOpen(false);
    t.outbox.add(7, 'hello');
    expect(t.posts.map((p) => p.body)).toEqual([{ content: 'hello', client_id: 'c1' }]);
    t.posts[0]!.reject(new ApiError(0, 'network_error', 'unreachable'));
    await flush();
    expect(t.statuses()).toEqual(['hello:queued']);
    vi.advanceTimersByTime(1500); // network backoff (random 0: half of 3 s)
    expect(t.posts).toHaveLength(2);
    expect(t.posts[1]!.body.client_id).toBe('c1');
    const m = t.answer(t.posts[1]!);
    t.posts[1]!.resolve(m);
    await flush();
    expect(t.stored).toEqual([m]);
    expect(t.outbox.pendingFor(7)).toEqual([]);
  });

  it('a lost socket hands its unconfirmed message to REST with the same client_id', async () => {
    const t = setup();
    t.outbox.add(7, 'in flight');
    t.outbox.add(7, 'behind');
    t.setOpen(false);
    t.outbox.connectionLost();
    expect(t.posts.map((p) => p.body.client_id)).toEqual(['c1']);
    t.posts[0]!.resolve(t.answer(t.posts[0]!));
    await flush();
    expect(t.posts.map((p) => p.body.client_id)).toEqual(['c1', 'c2']);
  });

  it('no echo in 15 s: sent again over REST with the same client_id', () => {
    const t = setup();
    t.outbox.add(7, 'silent');
    vi.advanceTimersByTime(14_999);
    expect(t.posts).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(t.posts.map((p) => p.body)).toEqual([{ content: 'silent', client_id: 'c1' }]);
  });

  it('REST 429 waits Retry-After seconds, then sends again by itself', async () => {
    const t = setup();
    t.setOpen(false);
    t.outbox.add(7, 'slow down');
    t.outbox.add(7, 'after it');
    t.posts[0]!.reject(new ApiError(429, 'rate_limited', 'Too many messages', 3));
    await flush();
    const waiting = t.outbox.pendingFor(7)[0]!;
    expect(waiting.status).toBe('waiting');
    expect(waiting.error).toBe(RATE_LIMITED_TEXT);
    expect(waiting.retryAt).toBe(Date.now() + 3000);
    vi.advanceTimersByTime(2999);
    expect(t.posts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.posts.map((p) => p.body.client_id)).toEqual(['c1', 'c1']); // the second message still waits its turn
    t.posts[1]!.resolve(t.answer(t.posts[1]!));
    await flush();
    expect(t.posts.map((p) => p.body.client_id)).toEqual(['c1', 'c1', 'c2']);
  });

  it('a WebSocket rate_limited error backs off a few seconds, growing, then resends', () => {
    const t = setup();
    t.outbox.add(7, 'burst');
    const limited: ServerFrame = { type: 'error', code: 'rate_limited', message: 'Too many', client_id: 'c1', room_id: 7 };
    t.outbox.handleFrame(limited);
    expect(t.statuses()).toEqual(['burst:waiting']);
    vi.advanceTimersByTime(1000);
    expect(t.sends()).toHaveLength(2);
    t.outbox.handleFrame(limited);
    vi.advanceTimersByTime(1999);
    expect(t.sends()).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.sends().map((f) => f.client_id)).toEqual(['c1', 'c1', 'c1']);
    t.outbox.handleFrame(t.echo('c1'));
    expect(t.outbox.pendingFor(7)).toEqual([]);
  });

  it('a refusal marks it failed without holding up the next; Retry reuses the client_id', async () => {
    const t = setup();
    t.outbox.add(7, 'bad');
    t.outbox.add(7, 'good');
    t.outbox.handleFrame({ type: 'error', code: 'validation_failed', message: 'content: too long', client_id: 'c1' });
    expect(t.statuses()).toEqual(['bad:failed', 'good:sending']);
    expect(t.outbox.pendingFor(7)[0]!.error).toBe('content: too long');
    t.outbox.handleFrame(t.echo('c2'));
    t.outbox.retry('c1');
    expect(t.sends().map((f) => f.client_id)).toEqual(['c1', 'c2', 'c1']);
    t.outbox.discard('c1');
    expect(t.outbox.pendingFor(7)).toEqual([]);
  });

  it('an echo that beats the REST answer confirms it once', async () => {
    const t = setup();
    t.setOpen(false);
    t.outbox.add(7, 'race');
    t.setOpen(true);
    const echoFrame: ServerFrame = {
      type: 'message',
      room_id: 7,
      message: { id: 5, room_id: 7, sender: ME, content: 'race', created_at: new Date().toISOString(), client_id: 'c1', ...FRESH_MESSAGE_FIELDS },
    };
    t.outbox.handleFrame(echoFrame);
    expect(t.outbox.pendingFor(7)).toEqual([]);
    t.posts[0]!.resolve(echoFrame.message);
    await flush();
    expect(t.outbox.pendingFor(7)).toEqual([]);
    expect(t.sends()).toHaveLength(0); // never sent a second time
  });

  it('ignores echoes of other people with the same client_id', () => {
    const t = setup();
    t.outbox.add(7, 'mine');
    t.outbox.handleFrame({
      type: 'message',
      room_id: 7,
      message: { id: 9, room_id: 7, sender: { id: 2, username: 'bob' }, content: 'x', created_at: '2026-12-01T00:00:00.000Z', client_id: 'c1', ...FRESH_MESSAGE_FIELDS },
    });
    expect(t.statuses()).toEqual(['mine:sending']);
  });

  it('gives the same array while nothing changes (for useSyncExternalStore)', () => {
    const t = setup();
    t.outbox.add(7, 'a');
    expect(t.outbox.pendingFor(7)).toBe(t.outbox.pendingFor(7));
    expect(t.outbox.pendingFor(99)).toBe(t.outbox.pendingFor(98));
  });
});
