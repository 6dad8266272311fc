// Own messages on their way to the server, for every room, outliving a room
// switch. Per room they go out strictly in the order they were written, one at
// a time (the next leaves when the previous is confirmed), each always with the
// same client_id, so the server stores it once however often it is sent.
//
// - Over the user connection when it is open (confirmed by the `message` echo),
//   else over REST (confirmed by the answer).
// - Offline (no socket, REST unreachable): it waits as "queued" and goes out on
//   the next (re)connect, the browser's `online` event or a periodic retry.
// - Rate limited: REST 429 waits `Retry-After` seconds, a WebSocket `error`
//   frame `rate_limited` a few seconds of backoff; then it is sent again by itself.
// - A socket lost with a message in flight hands it to REST; no echo within
//   15 s on an open socket does the same (a message may have been stored: the
//   same client_id makes that safe).
// - Any other refusal (validation, not a member, 5xx) marks it "failed" with
//   Retry / Delete; the messages after it are not held up.
import { isApiError } from '../../../lib/api-client';
import { Backoff, type BackoffOptions } from '../../../lib/backoff';
import { newClientId } from '../../../lib/ids';
import type { ClientFrame, Id, Message, NewMessage, ReplyRef, ServerFrame, UserSummary } from '../../../types/api';

export type SendStatus = 'queued' | 'sending' | 'waiting' | 'failed';

export interface PendingMessage {
  client_id: string;
  room_id: Id;
  content: string;
  created_at: string;
  sender: UserSummary;
  status: SendStatus;
  error: string | null;
  /** While 'waiting' (rate limited): when it goes out again, epoch ms. */
  retryAt: number | null;
  /** The message this one answers (shown above it while it is on its way). */
  reply_to?: ReplyRef | null;
}

export interface OutboxTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface OutboxDeps {
  self: UserSummary;
  /** Send over the user connection; false when it is not open. */
  sendFrame: (frame: ClientFrame) => boolean;
  /** The browser's idea of being online (no point trying REST when it says no). */
  isOnline: () => boolean;
  post: (roomId: Id, body: NewMessage) => Promise<Message>;
  timers?: OutboxTimers;
  newId?: () => string;
  echoTimeoutMs?: number;
  /** Waits after a WebSocket `rate_limited` error (no Retry-After there). */
  rateLimitBackoff?: BackoffOptions;
  /** Used when a 429 comes without a readable Retry-After. */
  defaultRetryAfterSeconds?: number;
  /** Waits between REST attempts while the network is unreachable. */
  networkBackoff?: BackoffOptions;
}

interface Entry {
  item: PendingMessage;
  via: 'ws' | 'rest' | null;
  timer: unknown;
  /** The next attempt skips the socket (it did not echo last time). */
  preferRest: boolean;
  rateLimits: Backoff;
  networkRetries: Backoff;
}

const EMPTY: readonly PendingMessage[] = Object.freeze([]);

const defaultTimers: OutboxTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export const RATE_LIMITED_TEXT = 'Sending too fast: it goes out by itself in a moment.';

export class Outbox {
  private readonly deps: OutboxDeps;
  private readonly timers: OutboxTimers;
  private readonly entries = new Map<string, Entry>();
  private readonly order = new Map<Id, string[]>();
  private readonly snapshots = new Map<Id, readonly PendingMessage[]>();
  private readonly listeners = new Set<() => void>();
  private readonly storedListeners = new Set<(message: Message) => void>();

  constructor(deps: OutboxDeps) {
    this.deps = deps;
    this.timers = deps.timers ?? defaultTimers;
  }

  // ---- reading -------------------------------------------------------------

  /** A room's waiting messages in the order written; the same array until something changes. */
  pendingFor(roomId: Id): readonly PendingMessage[] {
    const cached = this.snapshots.get(roomId);
    if (cached) return cached;
    const ids = this.order.get(roomId);
    const list = ids && ids.length > 0 ? Object.freeze(ids.map((id) => this.entries.get(id)!.item)) : EMPTY;
    this.snapshots.set(roomId, list);
    return list;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Messages confirmed by a REST answer (no echo reached this tab for them). */
  onStored(listener: (message: Message) => void): () => void {
    this.storedListeners.add(listener);
    return () => {
      this.storedListeners.delete(listener);
    };
  }

  // ---- actions ---------------------------------------------------------------

  add(roomId: Id, content: string, replyTo: ReplyRef | null = null): string {
    const clientId = (this.deps.newId ?? newClientId)();
    const item: PendingMessage = {
      client_id: clientId,
      room_id: roomId,
      content,
      created_at: new Date(this.timers.now()).toISOString(),
      sender: this.deps.self,
      status: 'queued',
      error: null,
      retryAt: null,
      reply_to: replyTo,
    };
    this.entries.set(clientId, {
      item,
      via: null,
      timer: null,
      preferRest: false,
      rateLimits: new Backoff({ baseMs: 2000, maxMs: 16_000, ...this.deps.rateLimitBackoff }),
      networkRetries: new Backoff({ baseMs: 3000, maxMs: 30_000, ...this.deps.networkBackoff }),
    });
    this.order.set(roomId, [...(this.order.get(roomId) ?? []), clientId]);
    this.changed(roomId);
    this.pump(roomId);
    return clientId;
  }

  /** Send a failed (or waiting) message again now, with the same client_id. */
  retry(clientId: string): void {
    const entry = this.entries.get(clientId);
    if (!entry || entry.item.status === 'sending') return;
    this.clearTimer(entry);
    entry.preferRest = false;
    this.set(entry, { status: 'queued', error: null, retryAt: null });
    this.pump(entry.item.room_id);
  }

  discard(clientId: string): void {
    const entry = this.entries.get(clientId);
    if (!entry) return;
    this.remove(entry);
  }

  // ---- what the connection reports ------------------------------------------

  handleFrame(frame: ServerFrame): void {
    if (frame.type === 'message') {
      const m = frame.message;
      if (m.client_id && m.sender.id === this.deps.self.id) this.confirm(m.client_id);
    } else if (frame.type === 'error' && frame.client_id) {
      const entry = this.entries.get(frame.client_id);
      if (!entry || entry.item.status !== 'sending' || entry.via !== 'ws') return;
      this.clearTimer(entry);
      entry.via = null;
      if (frame.code === 'rate_limited') {
        this.wait(entry, entry.rateLimits.next());
      } else {
        this.fail(entry, frame.message);
      }
    }
  }

  /** A socket opened: whatever waits for a connection goes now. */
  connectionOpened(): void {
    this.pumpAll();
  }

  /** The socket went away: messages it carried without an echo go over REST. */
  connectionLost(): void {
    for (const entry of this.entries.values()) {
      if (entry.item.status === 'sending' && entry.via === 'ws') {
        this.clearTimer(entry);
        entry.via = null;
        this.set(entry, { status: 'queued' });
      }
    }
    this.pumpAll();
  }

  networkOnline(): void {
    this.pumpAll();
  }

  /** Stop every timer (logging out). */
  stopTimers(): void {
    for (const entry of this.entries.values()) this.clearTimer(entry);
  }

  // ---- internals ---------------------------------------------------------------

  private pumpAll(): void {
    for (const roomId of [...this.order.keys()]) this.pump(roomId);
  }

  /** Sends the room's first message that is not failed, when nothing of that room is in flight. */
  private pump(roomId: Id): void {
    const ids = this.order.get(roomId) ?? [];
    const head = ids.map((id) => this.entries.get(id)!).find((e) => e.item.status !== 'failed');
    if (!head || head.item.status !== 'queued') return;
    const { item } = head;
    this.clearTimer(head);

    if (!head.preferRest) {
      const frame: ClientFrame = { action: 'sendMessage', room_id: roomId, content: item.content, client_id: item.client_id };
      if (item.reply_to) frame.reply_to = item.reply_to.id;
      if (this.deps.sendFrame(frame)) {
        head.via = 'ws';
        this.set(head, { status: 'sending', error: null, retryAt: null });
        head.timer = this.timers.setTimeout(() => {
          head.timer = null;
          if (head.item.status !== 'sending' || head.via !== 'ws') return;
          // No echo: the socket may be half dead. REST with the same client_id is safe.
          head.via = null;
          head.preferRest = true;
          this.set(head, { status: 'queued' });
          this.pump(roomId);
        }, this.deps.echoTimeoutMs ?? 15_000);
        return;
      }
    }
    if (!this.deps.isOnline()) return; // the `online` event or the next open sends it

    head.via = 'rest';
    this.set(head, { status: 'sending', error: null, retryAt: null });
    const body: NewMessage = { content: item.content, client_id: item.client_id };
    if (item.reply_to) body.reply_to = item.reply_to.id;
    this.deps.post(roomId, body).then(
      (message) => {
        for (const listener of [...this.storedListeners]) listener(message);
        this.confirm(item.client_id);
      },
      (err: unknown) => {
        const entry = this.entries.get(item.client_id);
        if (entry !== head || entry.item.status !== 'sending' || entry.via !== 'rest') return;
        entry.via = null;
        entry.preferRest = false;
        if (isApiError(err) && err.status === 429) {
          const seconds = err.retryAfter ?? this.deps.defaultRetryAfterSeconds ?? 5;
          this.wait(entry, Math.max(0, seconds) * 1000);
        } else if (!isApiError(err) || err.isNetworkError) {
          // Unreachable: keep it queued; try again later unless a connection comes first.
          this.set(entry, { status: 'queued' });
          entry.timer = this.timers.setTimeout(() => {
            entry.timer = null;
            this.pump(roomId);
          }, entry.networkRetries.next());
        } else {
          this.fail(entry, err.message);
        }
      },
    );
  }

  private wait(entry: Entry, ms: number): void {
    const roomId = entry.item.room_id;
    this.set(entry, { status: 'waiting', error: RATE_LIMITED_TEXT, retryAt: this.timers.now() + ms });
    entry.timer = this.timers.setTimeout(() => {
      entry.timer = null;
      if (entry.item.status !== 'waiting') return;
      this.set(entry, { status: 'queued', retryAt: null });
      this.pump(roomId);
    }, ms);
  }

  private fail(entry: Entry, error: string): void {
    this.set(entry, { status: 'failed', error, retryAt: null });
    this.pump(entry.item.room_id); // the next message is not held up
  }

  private confirm(clientId: string): void {
    const entry = this.entries.get(clientId);
    if (entry) this.remove(entry);
  }

  private remove(entry: Entry): void {
    const roomId = entry.item.room_id;
    this.clearTimer(entry);
    this.entries.delete(entry.item.client_id);
    const left = (this.order.get(roomId) ?? []).filter((id) => id !== entry.item.client_id);
    if (left.length > 0) this.order.set(roomId, left);
    else this.order.delete(roomId);
    this.changed(roomId);
    this.pump(roomId);
  }

  private set(entry: Entry, change: Partial<PendingMessage>): void {
    entry.item = { ...entry.item, ...change };
    this.changed(entry.item.room_id);
  }

  private clearTimer(entry: Entry): void {
    if (entry.timer !== null) {
      this.timers.clearTimeout(entry.timer);
      entry.timer = null;
    }
  }

  private changed(roomId: Id): void {
    this.snapshots.delete(roomId);
    for (const listener of [...this.listeners]) listener();
  }
}
