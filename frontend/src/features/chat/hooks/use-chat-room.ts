// Everything live about the open room: its details, the message list, presence,
// typing and the read marker. It rides the tab's one user connection
// (lib/realtime): on mount and on every reconnect it sends a `sync` for this
// room, and it hears only the frames that name this room. Own messages go
// through the app-wide outbox (./outbox.ts), so a room switch loses none.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { isApiError } from '../../../lib/api-client';
import { useApp, useSession } from '../../../lib/app-context';
import { useConnectionStatus, useRealtime } from '../../../lib/realtime-context';
import type { FrameContext, StatusInfo } from '../../../lib/ws-client';
import type { Id, Message, Room, ServerFrame } from '../../../types/api';
import { normalizeRoom } from '../../../types/api';
import { getRoom, joinRoom, listMessages, markRead } from '../api/chat-api';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from './chat-state';
import type { PendingMessage } from './outbox';
import { useOutbox, usePendingMessages } from './use-outbox';

const TYPING_SHOW_MS = 5_000;
const TYPING_SEND_EVERY_MS = 3_000;

export type RoomAccess = 'loading' | 'member' | 'not-member' | 'not-found' | 'error';

/** A tiny external store so the socket callbacks always read the latest state synchronously. */
function createStore(selfId: number) {
  let state = initialChatState(selfId);
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    dispatch(action: ChatAction) {
      const next = chatReducer(state, action);
      if (next !== state) {
        state = next;
        for (const l of listeners) l();
      }
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Shared fields from a `room` frame; the per-caller ones (membership, marker, counts) stay ours. */
function mergeShared(mine: Room | null, theirs: Room): Room {
  const incoming = normalizeRoom(theirs);
  if (!mine) return incoming;
  return {
    ...mine,
    name: incoming.name,
    members: incoming.members,
    member_count: incoming.member_count,
    last_message_at: incoming.last_message_at ?? mine.last_message_at,
  };
}

export interface ChatRoom {
  room: Room | null;
  access: RoomAccess;
  accessError: string | null;
  state: ChatState;
  pending: readonly PendingMessage[];
  connection: StatusInfo;
  /** An error frame or REST failure not tied to one message. */
  notice: string | null;
  dismissNotice: () => void;
  loadingOlder: boolean;
  loadOlder: () => Promise<void>;
  send: (content: string) => void;
  retry: (clientId: string) => void;
  discard: (clientId: string) => void;
  notifyTyping: () => void;
  join: () => Promise<void>;
  reconnectNow: () => void;
  /** The message list reports the newest message while it is on screen (null when scrolled away). */
  newestOnScreen: (messageId: Id | null) => void;
}

export function useChatRoom(
  roomId: number,
  callbacks: {
    /** A fresher copy of the room (opened, joined, its member list changed). */
    onRoomUpdated?: (room: Room) => void;
    /** The room was marked read up to this message. */
    onMarkedRead?: (roomId: number, messageId: number) => void;
  } = {},
): ChatRoom {
  const { api } = useApp();
  const session = useSession();
  const hub = useRealtime();
  const outbox = useOutbox();
  const connection = useConnectionStatus();
  const pending = usePendingMessages(roomId);
  const selfId = session.user.id;
  const store = useMemo(() => createStore(selfId), [selfId, roomId]);
  const state = useSyncExternalStore(store.subscribe, store.get, store.get);

  const [room, setRoom] = useState<Room | null>(null);
  const [access, setAccess] = useState<RoomAccess>('loading');
  const [accessError, setAccessError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);

  const caughtUp = useRef(false);
  const lastTypingSent = useRef(0);
  /** Highest id we told the server we read (or it knows we did: our own messages). */
  const lastMarked = useRef<Id | null>(null);
  const onScreen = useRef<Id | null>(null);
  const callbacksRef = useRef(callbacks);
  callbacksRef.current = callbacks;

  const noteRead = (id: Id | null) => {
    if (id !== null && (lastMarked.current === null || id > lastMarked.current)) lastMarked.current = id;
  };

  // ---- room details and access --------------------------------------------
  useEffect(() => {
    let cancelled = false;
    setRoom(null);
    setAccess('loading');
    setAccessError(null);
    lastMarked.current = null;
    getRoom(api, roomId)
      .then((raw) => {
        if (cancelled) return;
        const r = normalizeRoom(raw);
        setRoom(r);
        noteRead(r.last_read_id);
        setAccess(r.is_member ? 'member' : 'not-member');
        callbacksRef.current.onRoomUpdated?.(r);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        if (isApiError(err) && err.status === 403) setAccess('not-member');
        else if (isApiError(err) && err.status === 404) setAccess('not-found');
        else {
          setAccess('error');
          setAccessError(isApiError(err) ? err.message : 'Could not open this room.');
        }
      });
    return () => {
      cancelled = true;
    };
  }, [api, roomId, reloadKey]);

  // Membership and details change live (other tabs join or leave, others come and go).
  useEffect(
    () =>
      hub.onRoomFrame(roomId, (frame) => {
        if (frame.type !== 'room') return;
        if (frame.event === 'left') {
          setRoom((r) => (r ? { ...mergeShared(r, frame.room), is_member: false } : r));
          setAccess((a) => (a === 'member' ? 'not-member' : a));
        } else if (frame.event === 'joined') {
          setRoom(normalizeRoom({ ...frame.room, is_member: true }));
          setAccess((a) => (a === 'not-member' ? 'member' : a));
        } else {
          setRoom((r) => mergeShared(r, frame.room));
        }
      }),
    [hub, roomId],
  );

  // ---- read marker -----------------------------------------------------------
  const markReadNow = useCallback(() => {
    const id = onScreen.current;
    if (id === null || document.visibilityState !== 'visible') return;
    if (lastMarked.current !== null && id <= lastMarked.current) return;
    const previous = lastMarked.current;
    lastMarked.current = id;
    callbacksRef.current.onMarkedRead?.(roomId, id);
    if (hub.send({ action: 'read', room_id: roomId, message_id: id })) return;
    markRead(api, roomId, id).catch(() => {
      // Try again the next time it is on screen.
      if (lastMarked.current === id) lastMarked.current = previous;
    });
  }, [api, hub, roomId]);

  const newestOnScreen = useCallback(
    (messageId: Id | null) => {
      onScreen.current = messageId;
      markReadNow();
    },
    [markReadNow],
  );

  useEffect(() => {
    const onVisible = () => markReadNow();
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [markReadNow]);

  // ---- the live room -----------------------------------------------------------
  useEffect(() => {
    if (access !== 'member') return;
    let cancelled = false;
    caughtUp.current = false;

    const syncNow = () => {
      caughtUp.current = false;
      hub.sync(roomId, store.get().syncedUpTo);
    };

    const onFrame = (frame: ServerFrame, ctx: FrameContext) => {
      switch (frame.type) {
        case 'history': {
          const page = { messages: frame.messages, has_more: frame.has_more };
          store.dispatch({ type: ctx.sync?.after === null ? 'page/newest' : 'page/after', page });
          break;
        }
        case 'presence':
          store.dispatch({ type: 'presence', online: frame.online });
          if (ctx.syncDone) {
            if (ctx.syncDone.after !== null && ctx.syncDone.hasMore) {
              hub.sync(roomId, store.get().syncedUpTo); // more was missed than one page: keep catching up
            } else {
              caughtUp.current = true;
            }
          }
          break;
        case 'message': {
          const message: Message = frame.message;
          store.dispatch({ type: 'message/live', message, advancesSync: caughtUp.current });
          if (message.sender.id === selfId) noteRead(message.id); // posting moves our own marker
          break;
        }
        case 'typing':
          store.dispatch({ type: 'typing', user: frame.user, until: Date.now() + TYPING_SHOW_MS });
          break;
        case 'room':
          // Someone joined or left: their presence is not pushed to us, so ask (a sync answers with presence).
          if (frame.event === 'updated' && hub.isOpen) hub.sync(roomId, store.get().syncedUpTo);
          break;
        case 'error':
          if (frame.client_id) break; // the outbox's business
          if (frame.code === 'forbidden') setAccess('not-member');
          else if (frame.code === 'not_found') setAccess('not-found');
          else setNotice(frame.message);
          break;
        default:
          break;
      }
    };

    const offFrame = hub.onRoomFrame(roomId, onFrame);
    const offOpen = hub.onOpen(syncNow);
    const offLost = hub.onLost(() => {
      caughtUp.current = false;
    });
    const offStored = outbox.onStored((message) => {
      if (message.room_id !== roomId) return;
      store.dispatch({ type: 'message/stored', message });
      noteRead(message.id);
    });

    if (hub.isOpen) {
      syncNow(); // the connection is up (a room switch): its answer is the first page
    } else {
      // Not connected yet: a first page over REST, the sync on open fills in the rest.
      listMessages(api, roomId)
        .then((page) => {
          if (!cancelled) store.dispatch({ type: 'page/newest', page });
        })
        .catch(() => {
          // The socket's sync fills the list; a 401 is handled globally.
        });
    }

    return () => {
      cancelled = true;
      offFrame();
      offOpen();
      offLost();
      offStored();
    };
  }, [access, api, hub, outbox, roomId, selfId, store]);

  // ---- typing expiry -----------------------------------------------------------
  const typingCount = state.typing.length;
  useEffect(() => {
    if (typingCount === 0) return;
    const t = window.setInterval(() => store.dispatch({ type: 'typing/expire', now: Date.now() }), 1000);
    return () => window.clearInterval(t);
  }, [typingCount, store]);

  // ---- actions -------------------------------------------------------------------
  const send = useCallback(
    (content: string) => {
      outbox.add(roomId, content);
      lastTypingSent.current = 0;
    },
    [outbox, roomId],
  );

  const retry = useCallback((clientId: string) => outbox.retry(clientId), [outbox]);
  const discard = useCallback((clientId: string) => outbox.discard(clientId), [outbox]);

  const notifyTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastTypingSent.current < TYPING_SEND_EVERY_MS) return;
    if (hub.send({ action: 'typing', room_id: roomId })) lastTypingSent.current = now;
  }, [hub, roomId]);

  const loadOlder = useCallback(async () => {
    const s = store.get();
    const oldest = s.messages[0];
    if (!s.hasMoreOlder || !oldest || loadingOlder) return;
    setLoadingOlder(true);
    try {
      const page = await listMessages(api, roomId, { before: oldest.id });
      store.dispatch({ type: 'page/older', page });
    } catch (err) {
      setNotice(isApiError(err) ? err.message : 'Could not load older messages.');
    } finally {
      setLoadingOlder(false);
    }
  }, [api, roomId, store, loadingOlder]);

  const join = useCallback(async () => {
    try {
      const r = normalizeRoom(await joinRoom(api, roomId));
      setRoom(r);
      noteRead(r.last_read_id);
      callbacksRef.current.onRoomUpdated?.(r);
      setAccess('member');
    } catch (err) {
      setAccessError(isApiError(err) ? err.message : 'Could not join this room.');
      if (isApiError(err) && err.status === 404) setAccess('not-found');
      else setReloadKey((k) => k + 1);
    }
  }, [api, roomId]);

  const reconnectNow = useCallback(() => hub.reconnectNow(), [hub]);
  const dismissNotice = useCallback(() => setNotice(null), []);

  return {
    room,
    access,
    accessError,
    state,
    pending,
    connection,
    notice,
    dismissNotice,
    loadingOlder,
    loadOlder,
    send,
    retry,
    discard,
    notifyTyping,
    join,
    reconnectNow,
    newestOnScreen,
  };
}
