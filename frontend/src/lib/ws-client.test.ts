import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientFrame, ServerFrame } from '../types/api';
import { WsClient, type FrameContext, type SocketLike, type StatusInfo, type Timers } from './ws-client';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: ClientFrame[] = [];
  closedWith: number | null = null;
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
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // test helpers
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  serverClose(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '', wasClean: code === 1000 });
  }
}

function setup(overrides: { online?: boolean; random?: () => number; onOpen?: (client: WsClient) => void } = {}) {
  vi.useFakeTimers();
  const sockets: FakeSocket[] = [];
  const frames: [ServerFrame, FrameContext][] = [];
  const statuses: StatusInfo[] = [];
  let lastSeen: number | null = null;
  let syncRoom: number | null = 1;
  let online = overrides.online ?? true;
  let networkListener: ((online: boolean) => void) | null = null;
  const timers: Timers = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
    now: () => Date.now(),
  };
  const client: WsClient = new WsClient({
    url: () => 'ws://test/ws?token=t',
    // What the app does on open: sync the room on screen, after the last id it holds.
    onOpen: () => {
      if (overrides.onOpen) overrides.onOpen(client);
      else if (syncRoom !== null) client.sync(syncRoom, lastSeen);
    },
    onFrame: (f, c) => frames.push([f, c]),
    onStatus: (s) => statuses.push(s),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    network: {
      isOnline: () => online,
      subscribe: (l) => {
        networkListener = l;
        return () => {
          networkListener = null;
        };
      },
    },
    backoff: { baseMs: 1000, maxMs: 8000, random: overrides.random ?? (() => 0) },
    pingIntervalMs: 240_000,
    pongTimeoutMs: 20_000,
    offlineAfterAttempts: 3,
  });
  return {
    client,
    sockets,
    frames,
    statuses,
    last: () => sockets[sockets.length - 1]!,
    setLastSeen: (id: number | null) => {
      lastSeen = id;
    },
    setSyncRoom: (id: number | null) => {
      syncRoom = id;
    },
    setOnline: (value: boolean) => {
      online = value;
      networkListener?.(value);
    },
  };
}

const history: ServerFrame = { type: 'history', room_id: 1, messages: [], has_more: false };
const presence = (roomId: number): ServerFrame => ({ type: 'presence', room_id: roomId, online: [], joined: null, left: null });

describe('WsClient', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });

  it('opens a user connection (no room_id) and lets onOpen sync the open room', () => {
    const t = setup();
    t.client.start();
    expect(t.client.status.status).toBe('connecting');
    expect(new URL(t.last().url).searchParams.has('room_id')).toBe(false);
    t.last().open();
    expect(t.last().sent).toEqual([{ action: 'sync', room_id: 1, after: null, limit: 50 }]);
    expect(t.client.status.status).toBe('connected');
  });

  it('pings on open when there is no room to sync, so the server answers', () => {
    const t = setup();
    t.setSyncRoom(null);
    t.client.start();
    t.last().open();
    expect(t.last().sent).toEqual([{ action: 'ping' }]);
  });

  it('reconnects after a clean server close and syncs after the last seen id', () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive(history);
    t.setLastSeen(41);
    t.last().serverClose(1000);
    expect(t.client.status.status).toBe('reconnecting');
    expect(t.sockets).toHaveLength(1);
    vi.advanceTimersByTime(500); // attempt 0 with random()=0 waits base/2
    expect(t.sockets).toHaveLength(2);
    t.last().open();
    expect(t.last().sent).toEqual([{ action: 'sync', room_id: 1, after: 41, limit: 50 }]);
    expect(t.client.status.status).toBe('connected');
  });

  it('backs off exponentially between failed attempts and reads offline after several', () => {
    const t = setup();
    t.client.start();
    t.last().serverClose(1006); // refused before open: failure 1, waits 500
    vi.advanceTimersByTime(499);
    expect(t.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(2);
    t.last().serverClose(1006); // failure 2, waits 1000
    vi.advanceTimersByTime(999);
    expect(t.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(3);
    t.last().serverClose(1006); // failure 3 → offline, waits 2000
    expect(t.client.status.status).toBe('offline');
    expect(t.client.status.attempt).toBe(3);
    vi.advanceTimersByTime(2000);
    expect(t.sockets).toHaveLength(4);
  });

  it('resets the backoff once the server answers on a new connection', () => {
    const t = setup();
    t.client.start();
    t.last().serverClose(1006); // waits 500
    vi.advanceTimersByTime(500);
    t.last().serverClose(1006); // waits 1000
    vi.advanceTimersByTime(1000);
    t.last().open();
    t.last().receive(history);
    expect(t.client.status.attempt).toBe(0);
    t.last().serverClose(1001);
    const before = t.sockets.length;
    vi.advanceTimersByTime(500); // back to the first delay, not 2000
    expect(t.sockets).toHaveLength(before + 1);
  });

  it('pings every four minutes and reconnects when the socket stays silent', () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive(history);
    vi.advanceTimersByTime(240_000);
    expect(t.last().sent.at(-1)).toEqual({ action: 'ping' });
    t.last().receive({ type: 'pong' });
    vi.advanceTimersByTime(20_000);
    expect(t.sockets).toHaveLength(1); // pong arrived: still the same socket
    vi.advanceTimersByTime(220_000); // next ping, then no answer
    vi.advanceTimersByTime(20_000);
    expect(t.sockets[0]!.closedWith).toBe(4000);
    expect(t.client.status.status).toBe('reconnecting');
  });

  it('tags history parts with the sync they answer, per room, until that room\'s presence closes it', () => {
    const t = setup();
    t.client.start();
    t.last().open(); // sync(1, null)
    t.client.sync(2, 10);
    t.client.sync(1, 5);
    const part = (roomId: number, hasMore: boolean): ServerFrame => ({ type: 'history', room_id: roomId, messages: [], has_more: hasMore });
    t.last().receive(part(2, true)); // room 2's answer interleaves with room 1's
    t.last().receive(part(1, false));
    t.last().receive(part(1, false)); // a second part of the same page (frame size limit)
    t.last().receive(presence(1));
    t.last().receive(presence(2));
    t.last().receive(part(1, true));
    t.last().receive(presence(1));
    t.last().receive(presence(1)); // a pushed presence: no sync pending
    expect(t.frames.map(([f, c]) => [f.type, 'room_id' in f ? f.room_id : null, c])).toEqual([
      ['history', 2, { sync: { after: 10, since: null } }],
      ['history', 1, { sync: { after: null, since: null } }],
      ['history', 1, { sync: { after: null, since: null } }],
      ['presence', 1, { syncDone: { after: null, since: null, hasMore: false } }],
      ['presence', 2, { syncDone: { after: 10, since: null, hasMore: true } }],
      ['history', 1, { sync: { after: 5, since: null } }],
      ['presence', 1, { syncDone: { after: 5, since: null, hasMore: true } }],
      ['presence', 1, {}],
    ]);
  });

  it('a `since` sync (issue 9) asks for the changes after a seq and tags its answer with it', () => {
    const t = setup();
    t.client.start();
    t.last().open(); // sync(1, null)
    t.last().receive(presence(1));
    t.client.sync(1, 40, 42);
    expect(t.last().sent.at(-1)).toEqual({ action: 'sync', room_id: 1, since: 42, after: null, limit: 100 });
    t.last().receive({ type: 'history', room_id: 1, messages: [], has_more: true, since: 42, last_seq: 400 });
    t.last().receive(presence(1));
    expect(t.frames.slice(-2).map(([, c]) => c)).toEqual([
      { sync: { after: null, since: 42 } },
      { syncDone: { after: null, since: 42, hasMore: true } },
    ]);
  });

  it('forgets unanswered syncs when the socket is replaced', () => {
    const t = setup();
    t.client.start();
    t.last().open(); // sync(1, null), never answered
    t.last().serverClose(1006);
    vi.advanceTimersByTime(500);
    t.setLastSeen(7);
    t.last().open(); // sync(1, 7)
    t.last().receive({ type: 'history', room_id: 1, messages: [], has_more: false });
    expect(t.frames.at(-1)![1]).toEqual({ sync: { after: 7, since: null } });
  });

  it('refuses to send while not open so the caller can fall back to REST', () => {
    const t = setup();
    t.client.start();
    expect(t.client.send({ action: 'sendMessage', room_id: 1, content: 'hi', client_id: 'c1' })).toBe(false);
    t.last().open();
    expect(t.client.send({ action: 'sendMessage', room_id: 1, content: 'hi', client_id: 'c1' })).toBe(true);
  });

  it('goes offline with the browser and reconnects at once when it is back', () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.setOnline(false);
    expect(t.client.status.status).toBe('offline');
    expect(t.sockets[0]!.closedWith).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(t.sockets).toHaveLength(1);
    t.setOnline(true);
    expect(t.sockets).toHaveLength(2);
  });

  it('does not reconnect after stop()', () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.client.stop();
    vi.advanceTimersByTime(60_000);
    expect(t.sockets).toHaveLength(1);
    expect(t.sockets[0]!.closedWith).toBe(1000);
  });
});
