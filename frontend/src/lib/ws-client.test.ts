import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientFrame, ServerFrame } from '../types/api';
import { ApiError } from './api-client';
import { WsClient, type ConnectFailure, type FrameContext, type SocketLike, type StatusInfo, type Timers } from './ws-client';

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

function setup(
  overrides: {
    online?: boolean;
    random?: () => number;
    onOpen?: (client: WsClient) => void;
    url?: (signal: AbortSignal) => string | Promise<string>;
  } = {},
) {
  vi.useFakeTimers();
  const sockets: FakeSocket[] = [];
  const frames: [ServerFrame, FrameContext][] = [];
  const statuses: StatusInfo[] = [];
  const failures: [number, ConnectFailure][] = [];
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
    url: overrides.url ?? (() => 'ws://test/ws?ticket=t'),
    // What the app does on open: sync the room on screen, after the last id it holds.
    onOpen: () => {
      if (overrides.onOpen) overrides.onOpen(client);
      else if (syncRoom !== null) client.sync(syncRoom, lastSeen);
    },
    onFrame: (f, c) => frames.push([f, c]),
    onStatus: (s) => statuses.push(s),
    onConnectFailure: (attempt, failure) => failures.push([attempt, failure]),
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
    failures,
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

/** A `url()` like the app's: each call is one ticket request, answered when the test says. */
function ticketResolver() {
  const calls: { signal: AbortSignal; resolve: (ticket: string) => void; reject: (err: unknown) => void }[] = [];
  let issued = 0;
  const url = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      calls.push({ signal, resolve: (ticket) => resolve(`ws://test/ws?ticket=${ticket}`), reject });
    });
  return {
    url,
    calls,
    /** Answers the latest request with a new, never-seen ticket and lets the promise settle. */
    async grant() {
      issued += 1;
      calls.at(-1)!.resolve(`tk${issued}`);
      await vi.advanceTimersByTimeAsync(0);
    },
    async fail(err: unknown) {
      calls.at(-1)!.reject(err);
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

describe('WsClient with an async url() (a fresh ticket per attempt)', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });

  it('asks for a new URL before every connect and reconnect and never reuses one', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    expect(r.calls).toHaveLength(1);
    expect(t.sockets).toHaveLength(0); // no socket before the ticket is there
    expect(t.client.status.status).toBe('connecting');
    await r.grant();
    expect(t.sockets).toHaveLength(1);
    t.last().serverClose(1006); // refused upgrade (e.g. the ticket was refused)
    await vi.advanceTimersByTimeAsync(500);
    expect(r.calls).toHaveLength(2); // a new request for the retry
    await r.grant();
    t.last().open();
    t.last().receive(history);
    t.last().serverClose(1000); // idle close of a good socket
    await vi.advanceTimersByTimeAsync(500);
    await r.grant();
    t.client.reconnectNow(); // open socket: nothing to do
    t.last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    await r.grant();
    const urls = t.sockets.map((s) => s.url);
    expect(urls).toEqual(['ws://test/ws?ticket=tk1', 'ws://test/ws?ticket=tk2', 'ws://test/ws?ticket=tk3', 'ws://test/ws?ticket=tk4']);
    expect(r.calls).toHaveLength(t.sockets.length);
    for (const url of urls) expect(new URL(url).searchParams.has('token')).toBe(false);
  });

  it('is not open while the ticket is pending, so sends fall back to REST', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    expect(t.client.isOpen).toBe(false);
    expect(t.client.send({ action: 'ping' })).toBe(false);
    await r.grant();
    t.last().open();
    expect(t.client.isOpen).toBe(true);
    expect(t.last().sent).toEqual([{ action: 'sync', room_id: 1, after: null, limit: 50 }]);
  });

  it('counts a failed ticket request as a failed attempt: backoff, then a new request', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    const unavailable = new ApiError(503, 'unavailable', 'try later');
    await r.fail(unavailable); // failure 1, waits 500
    expect(t.failures).toEqual([[1, { stage: 'url', error: unavailable }]]);
    expect(t.client.status.status).toBe('reconnecting');
    expect(t.client.status.nextRetryAt).not.toBeNull();
    await vi.advanceTimersByTimeAsync(499);
    expect(r.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toHaveLength(2);
    await r.fail(new ApiError(0, 'network_error', 'offline?')); // failure 2, waits 1000
    await vi.advanceTimersByTimeAsync(999);
    expect(r.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toHaveLength(3);
    await r.fail(new Error('boom')); // failure 3 → offline (still retrying)
    expect(t.client.status).toMatchObject({ status: 'offline', attempt: 3 });
    await vi.advanceTimersByTimeAsync(2000);
    await r.grant();
    t.last().open();
    t.last().receive(history);
    expect(t.client.status).toMatchObject({ status: 'connected', attempt: 0 });
    expect(t.sockets).toHaveLength(1);
  });

  it('stops for good on a 401 from the ticket request: the session is over', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    await r.grant();
    t.last().open();
    t.last().receive(history);
    t.last().serverClose(1001);
    await vi.advanceTimersByTimeAsync(500);
    const unauthorized = new ApiError(401, 'unauthorized', 'token expired');
    await r.fail(unauthorized);
    expect(t.failures).toEqual([[1, { stage: 'url', error: unauthorized }]]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(r.calls).toHaveLength(2);
    expect(t.sockets).toHaveLength(1);
  });

  it('waits at least the Retry-After of a 429 before asking again', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    await r.fail(new ApiError(429, 'rate_limited', 'slow down', 7));
    expect(t.client.status.nextRetryAt).toBe(Date.now() + 7000);
    await vi.advanceTimersByTimeAsync(6999);
    expect(r.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toHaveLength(2);
  });

  it('gives up on a ticket request that hangs, aborts it, and tries again with a new one', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(r.calls[0]!.signal.aborted).toBe(true);
    expect(t.failures).toHaveLength(1);
    expect(t.failures[0]![1].stage).toBe('url');
    r.calls[0]!.resolve('late'); // a late answer is ignored
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(r.calls).toHaveLength(2);
    await r.grant();
    expect(t.sockets.map((s) => s.url)).toEqual(['ws://test/ws?ticket=tk1']);
  });

  it('stop() while the ticket is pending aborts it and opens nothing', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    t.client.stop();
    expect(r.calls[0]!.signal.aborted).toBe(true);
    await r.grant();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.sockets).toHaveLength(0);
    expect(r.calls).toHaveLength(1);
    expect(t.failures).toEqual([]);
  });

  it('going offline while the ticket is pending aborts it; back online asks for a new one', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    t.setOnline(false);
    expect(r.calls[0]!.signal.aborted).toBe(true);
    expect(t.client.status.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.calls).toHaveLength(1);
    t.setOnline(true);
    expect(r.calls).toHaveLength(2);
    await r.grant();
    expect(t.sockets.map((s) => s.url)).toEqual(['ws://test/ws?ticket=tk1']);
  });

  it('"reconnect now" during a pending ticket request does not start another one', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    t.client.reconnectNow();
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]!.signal.aborted).toBe(false);
    await r.grant();
    expect(t.sockets).toHaveLength(1);
  });

  it('"reconnect now" while waiting out a backoff asks for a new ticket at once', async () => {
    const r = ticketResolver();
    const t = setup({ url: r.url });
    t.client.start();
    await r.fail(new ApiError(503, 'unavailable', 'later'));
    t.client.reconnectNow();
    expect(r.calls).toHaveLength(2);
    await r.grant();
    expect(t.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000); // the cancelled retry does not fire
    expect(r.calls).toHaveLength(2);
  });
});
