import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientFrame, Message, ServerFrame } from '../types/api';
import { FRESH_MESSAGE_FIELDS } from '../types/api';
import { createApiClient } from './api-client';
import { frameRoomId, RealtimeHub } from './realtime';
import type { SocketLike } from './ws-client';
import { ticketedSocketUrl } from './ws-ticket';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: ClientFrame[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '', wasClean: false });
  }
}

const bob = { id: 2, username: 'bob' };
const message = (id: number, roomId: number): Message => ({
  id,
  room_id: roomId,
  sender: bob,
  content: `m${id}`,
  created_at: '2026-12-01T10:00:00.000Z',
  client_id: null,
  ...FRESH_MESSAGE_FIELDS,
});
const room = (id: number) => ({
  id,
  name: `r${id}`,
  created_by: bob,
  created_at: '2026-12-01T09:00:00.000Z',
  member_count: 1,
  members: [bob],
  is_member: true,
  last_message_at: null,
  last_read_id: null,
  unread_count: 0,
  mention_count: 0,
});

function setup(url: (signal: AbortSignal) => string | Promise<string> = () => 'ws://test/ws?ticket=t') {
  vi.useFakeTimers();
  const sockets: FakeSocket[] = [];
  const hub = new RealtimeHub({
    url,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    network: { isOnline: () => true, subscribe: () => () => {} },
    visibility: { subscribe: () => () => {}, isVisible: () => true },
    backoff: { baseMs: 1000, maxMs: 1000, random: () => 0 },
  });
  return { hub, sockets, last: () => sockets[sockets.length - 1]! };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('frameRoomId', () => {
  it('names the room of every room frame and null for the rest', () => {
    expect(frameRoomId({ type: 'history', room_id: 3, messages: [], has_more: false })).toBe(3);
    expect(frameRoomId({ type: 'message', room_id: 4, message: message(1, 4) })).toBe(4);
    expect(frameRoomId({ type: 'presence', room_id: 5, online: [], joined: null, left: null })).toBe(5);
    expect(frameRoomId({ type: 'typing', room_id: 6, user: bob })).toBe(6);
    expect(frameRoomId({ type: 'read', room_id: 7, last_read_id: 1, unread_count: 0, mention_count: 0 })).toBe(7);
    expect(frameRoomId({ type: 'room', event: 'updated', room: room(8) })).toBe(8);
    expect(frameRoomId({ type: 'error', code: 'forbidden', message: 'no', client_id: null, room_id: 9 })).toBe(9);
    expect(frameRoomId({ type: 'error', code: 'bad_request', message: 'no', client_id: null })).toBeNull();
    expect(frameRoomId({ type: 'pong' })).toBeNull();
  });
});

describe('RealtimeHub', () => {
  it('routes each frame to the listeners of its room and to the every-frame listeners', () => {
    const t = setup();
    const seen: string[] = [];
    t.hub.onFrame((f) => seen.push(`all:${f.type}:${frameRoomId(f)}`));
    t.hub.onRoomFrame(1, (f) => seen.push(`room1:${f.type}`));
    const off2 = t.hub.onRoomFrame(2, (f) => seen.push(`room2:${f.type}`));
    t.hub.start();
    t.last().open();
    t.last().receive({ type: 'message', room_id: 1, message: message(10, 1) });
    t.last().receive({ type: 'message', room_id: 2, message: message(11, 2) });
    t.last().receive({ type: 'typing', room_id: 3, user: bob });
    off2();
    t.last().receive({ type: 'message', room_id: 2, message: message(12, 2) });
    t.last().receive({ type: 'pong' });
    expect(seen).toEqual([
      'all:message:1',
      'room1:message',
      'all:message:2',
      'room2:message',
      'all:typing:3',
      'all:message:2',
      'all:pong:null',
    ]);
  });

  it('keeps one socket while rooms come and go, each syncing its own room', () => {
    const t = setup();
    t.hub.start();
    t.last().open();
    for (const id of [1, 2, 3, 1]) {
      const off = t.hub.onRoomFrame(id, () => {});
      t.hub.sync(id, null);
      off();
    }
    expect(t.sockets).toHaveLength(1);
    expect(t.last().sent.filter((f) => f.action === 'sync').map((f) => (f.action === 'sync' ? f.room_id : 0))).toEqual([1, 2, 3, 1]);
  });

  it('tells listeners about every open and every lost socket', () => {
    const t = setup();
    const events: string[] = [];
    t.hub.onOpen(() => events.push('open'));
    t.hub.onLost(() => events.push('lost'));
    t.hub.start();
    t.last().open();
    t.last().receive({ type: 'pong' });
    t.last().drop();
    vi.advanceTimersByTime(1000);
    t.last().open();
    expect(events).toEqual(['open', 'lost', 'open']);
    expect(t.sockets).toHaveLength(2);
  });

  it('a failing listener does not starve the others', () => {
    const t = setup();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const got: number[] = [];
    t.hub.onFrame(() => {
      throw new Error('boom');
    });
    t.hub.onRoomFrame(1, (f) => got.push(f.type === 'message' ? f.message.id : 0));
    t.hub.start();
    t.last().open();
    t.last().receive({ type: 'message', room_id: 1, message: message(5, 1) });
    expect(got).toEqual([5]);
    spy.mockRestore();
  });
});

describe('RealtimeHub with tickets (as the app shell wires it)', () => {
  const JWT = 'h.p.s';
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  /** The real API client on a fake fetch answering `POST /api/ws-ticket` with `answer(n)`. */
  function ticketed(answer: (n: number) => Response) {
    let n = 0;
    const fetchImpl = vi.fn<typeof fetch>(async () => answer(++n));
    const onUnauthorized = vi.fn();
    const api = createApiClient({ baseUrl: 'http://api.test', getToken: () => JWT, onUnauthorized, fetchImpl });
    const t = setup((signal) => ticketedSocketUrl(api, 'ws://api.test/ws', () => JWT, signal));
    return { ...t, fetchImpl, onUnauthorized };
  }

  it('fetches a fresh ticket for every connect and reconnect and never puts the JWT in a socket URL', async () => {
    const t = ticketed((n) => json(201, { ticket: `tk${n}`, expires_in: 60 }));
    const opened: string[] = [];
    t.hub.onOpen(() => opened.push('open'));
    t.hub.start();
    await vi.advanceTimersByTimeAsync(0);
    t.last().open();
    t.last().receive({ type: 'pong' });
    t.last().drop(); // lost: reconnect after 500 ms
    await vi.advanceTimersByTimeAsync(500);
    t.last().drop(); // refused before open
    await vi.advanceTimersByTimeAsync(1000);
    t.last().open();
    expect(opened).toEqual(['open', 'open']);
    expect(t.fetchImpl).toHaveBeenCalledTimes(3);
    expect(t.sockets.map((s) => s.url)).toEqual([
      'ws://api.test/ws?ticket=tk1',
      'ws://api.test/ws?ticket=tk2',
      'ws://api.test/ws?ticket=tk3',
    ]);
    for (const s of t.sockets) expect(s.url).not.toContain(JWT);
    t.hub.stop();
  });

  it('connects with ?token= on a server without the ticket endpoint (404)', async () => {
    const t = ticketed(() => json(404, { error: { code: 'not_found', message: 'no such route' } }));
    t.hub.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sockets.map((s) => s.url)).toEqual([`ws://api.test/ws?token=${JWT}`]);
    t.last().open();
    expect(t.hub.isOpen).toBe(true);
    t.hub.stop();
  });

  it('a 401 to the ticket request signs out (API client hook) and stops reconnecting', async () => {
    const t = ticketed(() => json(401, { error: { code: 'unauthorized', message: 'expired' } }));
    t.hub.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.onUnauthorized).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.fetchImpl).toHaveBeenCalledTimes(1);
    expect(t.sockets).toHaveLength(0);
    t.hub.stop();
  });

  it('a 503 to the ticket request retries with backoff, then connects on a new ticket', async () => {
    const t = ticketed((n) =>
      n === 1 ? json(503, { error: { code: 'unavailable', message: 'later' } }) : json(201, { ticket: `tk${n}`, expires_in: 60 }),
    );
    t.hub.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.hub.getStatus()).toMatchObject({ status: 'reconnecting', attempt: 1 });
    expect(t.sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(t.sockets.map((s) => s.url)).toEqual(['ws://api.test/ws?ticket=tk2']);
    t.hub.stop();
  });
});
