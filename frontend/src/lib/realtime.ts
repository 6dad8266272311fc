// The tab's one live connection, shared by every feature: a WsClient on the user
// connection plus listeners. Frames go to the listeners of every frame (room
// list, notifications, the send queue) and then to the listeners of the room the
// frame names (the open room's view). Switching rooms never opens a socket: the
// new room's view subscribes here and sends a `sync` for its room.
import type { ClientFrame, Id, ServerFrame } from '../types/api';
import { WsClient, type FrameContext, type StatusInfo, type WsClientOptions } from './ws-client';

export type FrameListener = (frame: ServerFrame, context: FrameContext) => void;

/** The room a server frame concerns, or null (pong, errors about no room). */
export function frameRoomId(frame: ServerFrame): Id | null {
  switch (frame.type) {
    case 'history':
    case 'presence':
    case 'typing':
    case 'read':
      return frame.room_id;
    case 'message':
    case 'message_updated':
      return frame.room_id ?? frame.message.room_id;
    case 'room':
      return frame.room.id;
    case 'error':
      return frame.room_id ?? null;
    case 'pong':
      return null;
  }
}

export type RealtimeOptions = Omit<WsClientOptions, 'onFrame' | 'onStatus' | 'onOpen'> & {
  /** Reconnect at once when the tab becomes visible again (default: the browser's document). */
  visibility?: { subscribe(listener: () => void): () => void; isVisible(): boolean };
};

const browserVisibility = {
  subscribe(listener: () => void) {
    if (typeof document === 'undefined') return () => {};
    document.addEventListener('visibilitychange', listener);
    return () => document.removeEventListener('visibilitychange', listener);
  },
  isVisible: () => typeof document === 'undefined' || document.visibilityState === 'visible',
};

export class RealtimeHub {
  private readonly client: WsClient;
  private readonly visibility: NonNullable<RealtimeOptions['visibility']>;
  private readonly all = new Set<FrameListener>();
  private readonly rooms = new Map<Id, Set<FrameListener>>();
  private readonly openListeners = new Set<() => void>();
  private readonly lostListeners = new Set<() => void>();
  private readonly statusListeners = new Set<() => void>();
  private wasConnected = false;
  private unsubscribeVisibility: (() => void) | null = null;

  constructor(options: RealtimeOptions) {
    this.visibility = options.visibility ?? browserVisibility;
    this.client = new WsClient({
      ...options,
      onOpen: () => this.emit(this.openListeners),
      onFrame: (frame, context) => this.dispatch(frame, context),
      onStatus: (info) => {
        const connected = info.status === 'connected';
        const lost = this.wasConnected && !connected;
        this.wasConnected = connected;
        this.emit(this.statusListeners);
        if (lost) this.emit(this.lostListeners);
      },
    });
  }

  start(): void {
    this.client.start();
    this.unsubscribeVisibility ??= this.visibility.subscribe(() => {
      // Coming back to a tab whose socket is waiting out a backoff: try at once.
      if (this.visibility.isVisible()) this.client.reconnectNow();
    });
  }

  stop(): void {
    this.unsubscribeVisibility?.();
    this.unsubscribeVisibility = null;
    this.client.stop();
    this.wasConnected = false;
  }

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  /** For useSyncExternalStore: the same object until the status changes. */
  readonly getStatus = (): StatusInfo => this.client.status;

  readonly subscribeStatus = (listener: () => void): (() => void) => this.add(this.statusListeners, listener);

  /** False when the socket is not open (the caller falls back to REST or waits). */
  send(frame: ClientFrame): boolean {
    return this.client.send(frame);
  }

  /** `since` (a seq): every change after it; else the page after `after` (null: the newest page). */
  sync(roomId: Id, after: Id | null, since: number | null = null): boolean {
    return this.client.sync(roomId, after, since);
  }

  reconnectNow(): void {
    this.client.reconnectNow();
  }

  /** Every frame, whatever room. */
  onFrame(listener: FrameListener): () => void {
    return this.add(this.all, listener);
  }

  /** Only the frames that name this room. */
  onRoomFrame(roomId: Id, listener: FrameListener): () => void {
    let set = this.rooms.get(roomId);
    if (!set) {
      set = new Set();
      this.rooms.set(roomId, set);
    }
    set.add(listener);
    return () => {
      const current = this.rooms.get(roomId);
      current?.delete(listener);
      if (current && current.size === 0) this.rooms.delete(roomId);
    };
  }

  /** Each time a socket opens (first connect and every reconnect). */
  onOpen(listener: () => void): () => void {
    return this.add(this.openListeners, listener);
  }

  /** Each time an open socket is lost (closed, timed out, browser offline). */
  onLost(listener: () => void): () => void {
    return this.add(this.lostListeners, listener);
  }

  private add<T>(set: Set<T>, listener: T): () => void {
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  private emit(set: Set<() => void>): void {
    for (const listener of [...set]) {
      try {
        listener();
      } catch (err) {
        console.error('realtime listener failed', err);
      }
    }
  }

  private dispatch(frame: ServerFrame, context: FrameContext): void {
    const roomId = frameRoomId(frame);
    const targets = [...this.all, ...(roomId !== null ? (this.rooms.get(roomId) ?? []) : [])];
    for (const listener of targets) {
      try {
        listener(frame, context);
      } catch (err) {
        console.error('realtime listener failed', err);
      }
    }
  }
}
