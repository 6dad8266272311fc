// The only owner of a WebSocket in the SPA: one *user connection* per tab
// (`/ws?ticket=…` without room_id), kept across room switches. Every room frame
// names its room; lib/realtime.ts routes them.
//
// - Before every attempt it asks `url()` afresh; the app's resolver fetches a
//   new single-use ticket there (lib/ws-ticket.ts), so no URL is ever reused. A
//   resolver that fails (or takes longer than `urlTimeoutMs`) counts as a failed
//   attempt like a refused upgrade: backoff (at least a 429's Retry-After), and a
//   401 stops the client, as the session is over.
// - On every (re)open it calls `onOpen`, where the app sends
//   `{"action":"sync","room_id","after":<last seen id|null>,"limit":50}` for the
//   open room (or, once the room's change seq is known, `"since":<last applied
//   seq>`), so whatever was missed while away arrives once (merged by id).
//   `sync()` remembers, per room, which `after` each answer belongs to: an answer
//   is one or more `history` frames closed by that room's `presence` frame.
// - It reconnects after any close it did not ask for, clean ones included (API
//   Gateway closes idle sockets after 10 minutes and drops them after 2 hours),
//   waiting an exponential backoff with jitter; the backoff resets once the
//   server has answered on a new connection.
// - It pings every ~4 minutes so the socket never looks idle, and treats a
//   socket that stays silent after a ping as dead.
// - Status: connecting → connected → reconnecting → (offline after several
//   failures or when the browser says it is offline) → connected …
import type { ClientFrame, Id, ServerFrame } from '../types/api';
import { isApiError } from './api-client';
import { Backoff, type BackoffOptions } from './backoff';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface StatusInfo {
  status: ConnectionStatus;
  /** Consecutive failed attempts since the last good connection. */
  attempt: number;
  /** When the next attempt is scheduled (epoch ms), if one is. */
  nextRetryAt: number | null;
}

export interface FrameContext {
  /**
   * `history` frames: the sync they answer (`after` null = the newest page).
   * Absent when no sync for that room was waiting for an answer.
   */
  sync?: { after: Id | null; since: number | null };
  /**
   * The `presence` frame that closes a sync answer: its `after` / `since`, and
   * whether any history part said `has_more` (more is missing: sync again).
   */
  syncDone?: { after: Id | null; since: number | null; hasMore: boolean };
}

/** The subset of the browser WebSocket that the client uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean: boolean }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  now(): number;
}

export interface NetworkWatcher {
  isOnline(): boolean;
  /** Calls back with true/false on browser online/offline; returns an unsubscribe. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Why an attempt failed before its socket opened. */
export type ConnectFailure =
  /** `url()` threw, rejected or timed out (e.g. the ticket request failed). */
  | { stage: 'url'; error: unknown }
  /** The socket closed without ever opening (refused upgrade: bad ticket, server down). */
  | { stage: 'socket' };

export interface WsClientOptions {
  /**
   * The URL of one attempt, asked afresh before every connect and reconnect (a
   * new single-use ticket each time). May be async; `signal` aborts when the
   * attempt is abandoned (stop, offline, timeout).
   */
  url: (signal: AbortSignal) => string | Promise<string>;
  /** How long an async `url()` may take before the attempt counts as failed. */
  urlTimeoutMs?: number;
  /**
   * Called on every open, before anything else is sent: the place to sync. When
   * it sends nothing, the client sends a `ping` so the server answers (which is
   * what resets the backoff).
   */
  onOpen?: () => void;
  onFrame: (frame: ServerFrame, context: FrameContext) => void;
  onStatus?: (info: StatusInfo) => void;
  /** An attempt failed before its socket opened: `url()` failed, or the upgrade was refused. */
  onConnectFailure?: (attempt: number, failure: ConnectFailure) => void;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  network?: NetworkWatcher;
  backoff?: BackoffOptions;
  syncLimit?: number;
  /** Page size of a `since` sync. */
  sinceLimit?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** Consecutive failures after which the status reads "offline" (still retrying). */
  offlineAfterAttempts?: number;
}

const OPEN = 1;

export const PING_INTERVAL_MS = 4 * 60 * 1000;

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof setInterval>),
  now: () => Date.now(),
};

const browserNetwork: NetworkWatcher = {
  isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
  subscribe(listener) {
    if (typeof window === 'undefined') return () => {};
    const on = () => listener(true);
    const off = () => listener(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  },
};

export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  try {
    const value = JSON.parse(data) as unknown;
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') {
      return value as ServerFrame;
    }
  } catch {
    // not JSON: ignore
  }
  return null;
}

export class WsClient {
  private readonly opts: Required<
    Pick<
      WsClientOptions,
      'syncLimit' | 'sinceLimit' | 'pingIntervalMs' | 'pongTimeoutMs' | 'offlineAfterAttempts' | 'urlTimeoutMs'
    >
  > &
    WsClientOptions;
  private readonly timers: Timers;
  private readonly network: NetworkWatcher;
  private readonly backoff: Backoff;
  private socket: SocketLike | null = null;
  private running = false;
  private everConnected = false;
  private opened = false;
  private gotFrameOnThisSocket = false;
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;
  private failures = 0;
  /** The attempt whose `url()` is still pending, if any. */
  private resolving: { controller: AbortController; timer: unknown } | null = null;
  /** Bumped whenever an attempt is abandoned, so a late `url()` answer is ignored. */
  private attemptId = 0;
  /** Per room: the syncs sent on this socket and not yet answered, oldest first. */
  private pendingSyncs = new Map<Id, { after: Id | null; since: number | null; hasMore: boolean }[]>();
  private sentSinceOpen = 0;
  private unsubscribeNetwork: (() => void) | null = null;
  private current: StatusInfo = { status: 'connecting', attempt: 0, nextRetryAt: null };

  constructor(options: WsClientOptions) {
    this.opts = {
      syncLimit: 50,
      sinceLimit: 100,
      pingIntervalMs: PING_INTERVAL_MS,
      pongTimeoutMs: 20_000,
      offlineAfterAttempts: 4,
      urlTimeoutMs: 15_000,
      ...options,
    };
    this.timers = options.timers ?? browserTimers;
    this.network = options.network ?? browserNetwork;
    this.backoff = new Backoff(options.backoff);
  }

  get status(): StatusInfo {
    return this.current;
  }

  get isOpen(): boolean {
    return this.socket !== null && this.opened && this.socket.readyState === OPEN;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribeNetwork = this.network.subscribe((online) => this.onNetworkChange(online));
    if (!this.network.isOnline()) {
      this.setStatus('offline', null);
      return;
    }
    this.connect();
  }

  /** Close for good (leaving the room, logging out). No reconnect follows. */
  stop(): void {
    this.running = false;
    this.unsubscribeNetwork?.();
    this.unsubscribeNetwork = null;
    this.clearRetry();
    this.teardownSocket(1000, 'client closed');
  }

  /** Skip the wait and try now (a "Reconnect" button, the tab coming back). */
  reconnectNow(): void {
    // An attempt already asking for its URL is the attempt "now": let it finish.
    if (!this.running || this.isOpen || this.resolving) return;
    this.clearRetry();
    this.teardownSocket(1000, 'reconnecting');
    this.connect();
  }

  /** Sends a frame; false when the socket is not open (the caller falls back to REST). */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen || !this.socket) return false;
    try {
      this.socket.send(JSON.stringify(frame));
    } catch {
      return false;
    }
    this.sentSinceOpen += 1;
    if (frame.action === 'sync') {
      const queue = this.pendingSyncs.get(frame.room_id) ?? [];
      queue.push({ after: frame.after, since: frame.since ?? null, hasMore: false });
      this.pendingSyncs.set(frame.room_id, queue);
    }
    return true;
  }

  /**
   * Ask for a room's changes after seq `since` (issue 9), or else for what came
   * after message `after` (null: the newest page); the connection now views that room.
   */
  sync(roomId: Id, after: Id | null, since: number | null = null): boolean {
    if (since !== null) {
      return this.send({ action: 'sync', room_id: roomId, since, after: null, limit: this.opts.sinceLimit });
    }
    return this.send({ action: 'sync', room_id: roomId, after, limit: this.opts.syncLimit });
  }

  /** Tags history frames with the sync they answer; a room's presence frame closes the answer. */
  private contextFor(frame: ServerFrame): FrameContext {
    if (frame.type !== 'history' && frame.type !== 'presence') return {};
    const queue = this.pendingSyncs.get(frame.room_id);
    const head = queue?.[0];
    if (!queue || !head) return {};
    if (frame.type === 'history') {
      head.hasMore = head.hasMore || frame.has_more;
      return { sync: { after: head.after, since: head.since } };
    }
    queue.shift();
    if (queue.length === 0) this.pendingSyncs.delete(frame.room_id);
    return { syncDone: { after: head.after, since: head.since, hasMore: head.hasMore } };
  }

  // ---- internals ---------------------------------------------------------

  private setStatus(status: ConnectionStatus, nextRetryAt: number | null): void {
    const next: StatusInfo = { status, attempt: this.failures, nextRetryAt };
    const prev = this.current;
    this.current = next;
    if (prev.status !== next.status || prev.attempt !== next.attempt || prev.nextRetryAt !== next.nextRetryAt) {
      this.opts.onStatus?.(next);
    }
  }

  private connect(): void {
    if (!this.running) return;
    // Abandon whatever the previous attempt left: a pending url(), a socket still connecting.
    this.teardownSocket(1000, 'reconnecting');
    this.setStatus(this.everConnected || this.failures > 0 ? this.degradedStatus() : 'connecting', null);
    const id = ++this.attemptId;
    const controller = new AbortController();
    let url: string | Promise<string>;
    try {
      url = this.opts.url(controller.signal);
    } catch (error) {
      this.handleClose(false, { stage: 'url', error });
      return;
    }
    if (typeof url === 'string') {
      this.openSocket(url);
      return;
    }
    const timer = this.timers.setTimeout(() => {
      if (id !== this.attemptId) return;
      this.cancelResolve();
      this.handleClose(false, { stage: 'url', error: new Error('timed out waiting for the connection URL') });
    }, this.opts.urlTimeoutMs);
    this.resolving = { controller, timer };
    url.then(
      (resolved) => {
        if (id !== this.attemptId || !this.running) return;
        this.finishResolve();
        this.openSocket(resolved);
      },
      (error: unknown) => {
        if (id !== this.attemptId || !this.running) return;
        this.finishResolve();
        this.handleClose(false, { stage: 'url', error });
      },
    );
  }

  /** Abandons a pending `url()`: aborts it and ignores its answer. */
  private cancelResolve(): void {
    const pending = this.resolving;
    if (!pending) return;
    this.resolving = null;
    this.attemptId += 1;
    this.timers.clearTimeout(pending.timer);
    pending.controller.abort();
  }

  private finishResolve(): void {
    if (this.resolving) this.timers.clearTimeout(this.resolving.timer);
    this.resolving = null;
  }

  private openSocket(url: string): void {
    const factory = this.opts.createSocket ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = factory(url);
    } catch {
      this.handleClose(false, { stage: 'socket' });
      return;
    }
    this.socket = socket;
    this.opened = false;
    this.gotFrameOnThisSocket = false;
    this.pendingSyncs = new Map();

    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.opened = true;
      this.everConnected = true;
      this.sentSinceOpen = 0;
      this.setStatus('connected', null);
      this.opts.onOpen?.();
      if (this.socket === socket && this.sentSinceOpen === 0) this.send({ action: 'ping' });
      this.startPing();
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.onAlive();
      if (!this.gotFrameOnThisSocket) {
        this.gotFrameOnThisSocket = true;
        // The server answered on this connection: it is healthy, start over.
        this.failures = 0;
        this.backoff.reset();
        this.setStatus('connected', null);
      }
      const frame = parseServerFrame(ev.data);
      if (!frame) return;
      this.opts.onFrame(frame, this.contextFor(frame));
    };
    socket.onerror = () => {
      // A close event always follows; reconnection is handled there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      const wasOpen = this.opened;
      this.socket = null;
      this.opened = false;
      this.stopPing();
      this.handleClose(wasOpen, wasOpen ? null : { stage: 'socket' });
    };
  }

  private degradedStatus(): ConnectionStatus {
    if (!this.network.isOnline()) return 'offline';
    return this.failures >= this.opts.offlineAfterAttempts ? 'offline' : 'reconnecting';
  }

  /** `failure`: why an attempt that never opened failed (null after an open socket closed). */
  private handleClose(wasOpen: boolean, failure: ConnectFailure | null = null): void {
    if (!this.running) return;
    let minDelayMs = 0;
    if (!wasOpen) {
      this.failures += 1;
      this.opts.onConnectFailure?.(this.failures, failure ?? { stage: 'socket' });
      if (!this.running) return; // the callback may have stopped us (e.g. logged out)
      if (failure?.stage === 'url' && isApiError(failure.error)) {
        // 401: the JWT is expired or revoked, or its user is gone. The session is
        // over (the API client's 401 hook signs out); retrying cannot help.
        if (failure.error.status === 401) {
          this.stop();
          return;
        }
        // 429: wait as long as the server asks (up to 5 minutes; "Reconnect now" still works).
        if (failure.error.retryAfter !== null) minDelayMs = Math.min(failure.error.retryAfter, 300) * 1000;
      }
    }
    if (!this.network.isOnline()) {
      this.setStatus('offline', null);
      return; // wait for the browser's "online" event
    }
    this.scheduleReconnect(minDelayMs);
  }

  private scheduleReconnect(minDelayMs = 0): void {
    this.clearRetry();
    const delay = Math.max(this.backoff.next(), minDelayMs);
    const at = this.timers.now() + delay;
    this.setStatus(this.degradedStatus(), at);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) {
      this.timers.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private teardownSocket(code: number, reason: string): void {
    this.cancelResolve();
    this.stopPing();
    const socket = this.socket;
    this.socket = null;
    this.opened = false;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  private onNetworkChange(online: boolean): void {
    if (!this.running) return;
    if (!online) {
      this.clearRetry();
      this.teardownSocket(1000, 'offline');
      this.setStatus('offline', null);
    } else if (!this.isOpen) {
      this.clearRetry();
      this.backoff.reset();
      this.connect();
    }
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = this.timers.setInterval(() => {
      if (!this.send({ action: 'ping' })) return;
      if (this.pongTimer === null) {
        this.pongTimer = this.timers.setTimeout(() => {
          this.pongTimer = null;
          // Silent after a ping: the socket is dead even if the browser has not noticed.
          const socket = this.socket;
          this.teardownSocket(4000, 'ping timeout');
          if (socket) this.handleClose(true);
        }, this.opts.pongTimeoutMs);
      }
    }, this.opts.pingIntervalMs);
  }

  private onAlive(): void {
    if (this.pongTimer !== null) {
      this.timers.clearTimeout(this.pongTimer);
      this.pongTimer = null;
    }
  }

  private stopPing(): void {
    if (this.pingTimer !== null) {
      this.timers.clearInterval(this.pingTimer);
      this.pingTimer = null;
    }
    this.onAlive();
  }
}
