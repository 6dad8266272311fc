// Everything live about the open room: its details, the message list, presence,
// typing and the read marker. It rides the tab's one user connection
// (lib/realtime): on mount and on every reconnect it sends a `sync` for this
// room, and it hears only the frames that name this room. Own messages go
// through the app-wide outbox (./outbox.ts), so a room switch loses none.
//
// Issue 9: every change in a room (new message, edit, deletion, reaction) has
// the room's next seq. The store tracks the last applied one; a reconnect syncs
// `since` it (a fresh newest page when too much was missed), and a seq seen live
// after a gap triggers a `since` sync. Edits, deletions and reactions go over
// REST (their answers and the `message_updated` frames merge by id, the higher
// seq winning).
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { isApiError } from '../../../lib/api-client';
import { useApp, useSession } from '../../../lib/app-context';
import { useConnectionStatus, useRealtime } from '../../../lib/realtime-context';
import type { FrameContext, StatusInfo } from '../../../lib/ws-client';
import type { Id, Message, ReplyRef, Room, ServerFrame } from '../../../types/api';
import { normalizeMessage, normalizeRoom } from '../../../types/api';
import {
  addReaction,
  deleteMessage,
  editMessage,
  getRoom,
  joinRoom,
  listAround,
  listMessages,
  markRead,
  removeReaction,
} from '../api/chat-api';
import { chatReducer, hasSeqGap, initialChatState, type ChatAction, type ChatState } from './chat-state';
import type { PendingMessage } from './outbox';
import { TypingThrottle } from './typing-throttle';
import { useOutbox, usePendingMessages } from './use-outbox';

const TYPING_SHOW_MS = 5_000;
/** `since` pages that still say has_more after this many: load a fresh newest page instead. */
const MAX_SINCE_PAGES = 3;
/** A seq gap seen live waits this long (frames may arrive out of order) before a `since` sync. */
const GAP_WAIT_MS = 700;
/** Pages of 100 fetched to connect a jumped-to message with the history on screen. */
const MAX_FILL_PAGES = 20;

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
  send: (content: string, replyTo?: ReplyRef | null) => void;
  /** Edit your own message; false (with a notice) when refused. */
  edit: (messageId: Id, content: string) => Promise<boolean>;
  /** Delete your own message (or any, as the room's owner). */
  remove: (messageId: Id) => Promise<boolean>;
  /** Add your reaction, or take it back when it is there. */
  toggleReaction: (messageId: Id, emoji: string) => Promise<void>;
  /** Make sure a message is loaded (with the history between it and what is on screen); false if it cannot be. */
  loadMessage: (messageId: Id) => Promise<boolean>;
  /** The room's owner (may delete any message). */
  ownerId: Id | null;
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
  // When to send `typing` (every 3 s while typing; after a send, as soon as the server's 2 s allow).
  const typingThrottle = useMemo(
    () =>
      new TypingThrottle(() => hub.send({ action: 'typing', room_id: roomId }), {
        now: () => Date.now(),
        setTimeout: (fn, ms) => window.setTimeout(fn, ms),
        clearTimeout: (h) => window.clearTimeout(h as number),
      }),
    [hub, roomId],
  );
  useEffect(() => () => typingThrottle.cancel(), [typingThrottle]);
  /** Highest id we told the server we read (or it knows we did: our own messages). */
  const lastMarked = useRef<Id | null>(null);
  const onScreen = useRef<Id | null>(null);
  const callbacksRef = useRef(callbacks);
  callbacksRef.current = callbacks;
  /** The room's last_seq when we read the room: what a first page over REST is current to. */
  const roomSeq = useRef<number | null>(null);

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
        roomSeq.current = typeof r.last_seq === 'number' ? r.last_seq : null;
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
    /** A `since` sync is on its way (no second one for a gap meanwhile). */
    let sinceInFlight = false;
    let sincePages = 0;
    /** The next newest page replaces the list (the gap was too large). */
    let resetNext = false;
    let gapTimer: number | null = null;

    const syncNow = () => {
      caughtUp.current = false;
      const s = store.get();
      if (s.lastSeq !== null) {
        sinceInFlight = hub.sync(roomId, null, s.lastSeq);
      } else {
        hub.sync(roomId, s.syncedUpTo);
      }
    };

    const checkGap = () => {
      if (gapTimer !== null || sinceInFlight || !hasSeqGap(store.get())) return;
      gapTimer = window.setTimeout(() => {
        gapTimer = null;
        if (!cancelled && !sinceInFlight && hasSeqGap(store.get()) && hub.isOpen) syncNow();
      }, GAP_WAIT_MS);
    };

    const onFrame = (frame: ServerFrame, ctx: FrameContext) => {
      switch (frame.type) {
        case 'history': {
          const since = ctx.sync ? ctx.sync.since : null;
          if (since !== null) {
            const lastSeq = typeof frame.last_seq === 'number' ? frame.last_seq : since;
            store.dispatch({ type: 'page/since', page: { messages: frame.messages, has_more: frame.has_more, last_seq: lastSeq } });
            break;
          }
          const page = { messages: frame.messages, has_more: frame.has_more, last_seq: frame.last_seq };
          if (ctx.sync?.after === null && resetNext) {
            resetNext = false;
            store.dispatch({ type: 'page/reset', page });
          } else if (ctx.sync?.after === null) {
            store.dispatch({ type: 'page/newest', page, roomSeq: roomSeq.current });
          } else {
            store.dispatch({ type: 'page/after', page });
          }
          break;
        }
        case 'presence':
          store.dispatch({ type: 'presence', online: frame.online });
          if (ctx.syncDone) {
            const done = ctx.syncDone;
            if (done.since !== null) {
              sinceInFlight = false;
              if (done.hasMore && sincePages + 1 >= MAX_SINCE_PAGES) {
                // Too much was missed to replay change by change: start from the newest page.
                sincePages = 0;
                resetNext = true;
                hub.sync(roomId, null);
              } else if (done.hasMore) {
                sincePages += 1;
                sinceInFlight = hub.sync(roomId, null, store.get().lastSeq);
              } else {
                sincePages = 0;
                caughtUp.current = true;
                checkGap();
              }
            } else if (done.after !== null && done.hasMore) {
              hub.sync(roomId, store.get().syncedUpTo); // more was missed than one page: keep catching up
            } else {
              caughtUp.current = true;
              checkGap();
            }
          }
          break;
        case 'message': {
          const message: Message = frame.message;
          store.dispatch({ type: 'message/live', message, advancesSync: caughtUp.current });
          if (message.sender.id === selfId) noteRead(message.id); // posting moves our own marker
          checkGap();
          break;
        }
        case 'message_updated':
          store.dispatch({ type: 'message/updated', message: frame.message });
          checkGap();
          break;
        case 'typing':
          store.dispatch({ type: 'typing', user: frame.user, until: Date.now() + TYPING_SHOW_MS });
          break;
        case 'room':
          // Someone joined or left: their presence is not pushed to us, so ask (a sync answers with presence).
          if (frame.event === 'updated' && hub.isOpen && !sinceInFlight) syncNow();
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
      sinceInFlight = false;
      sincePages = 0;
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
          if (!cancelled) store.dispatch({ type: 'page/newest', page, roomSeq: roomSeq.current });
        })
        .catch(() => {
          // The socket's sync fills the list; a 401 is handled globally.
        });
    }

    return () => {
      cancelled = true;
      if (gapTimer !== null) window.clearTimeout(gapTimer);
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
    (content: string, replyTo: ReplyRef | null = null) => {
      outbox.add(roomId, content, replyTo);
      typingThrottle.sent();
    },
    [outbox, roomId, typingThrottle],
  );

  const refusal = (err: unknown, what: string): string => {
    if (isApiError(err) && err.status === 429) {
      return `Too many changes at once: try again in ${Math.max(1, Math.ceil(err.retryAfter ?? 1))} s.`;
    }
    if (isApiError(err) && err.status === 409) return 'That message was deleted.';
    return isApiError(err) ? err.message : `Could not ${what}.`;
  };

  const edit = useCallback(
    async (messageId: Id, content: string) => {
      try {
        const updated = await editMessage(api, roomId, messageId, content);
        store.dispatch({ type: 'message/updated', message: normalizeMessage(updated) });
        return true;
      } catch (err) {
        setNotice(refusal(err, 'edit the message'));
        return false;
      }
    },
    [api, roomId, store],
  );

  const remove = useCallback(
    async (messageId: Id) => {
      try {
        await deleteMessage(api, roomId, messageId);
        store.dispatch({ type: 'message/deleted', id: messageId });
        return true;
      } catch (err) {
        setNotice(refusal(err, 'delete the message'));
        return false;
      }
    },
    [api, roomId, store],
  );

  const toggleReaction = useCallback(
    async (messageId: Id, emoji: string) => {
      const message = store.get().messages.find((m) => m.id === messageId);
      if (!message || message.deleted) return;
      const mine = message.reactions.some((r) => r.emoji === emoji && r.user_ids.includes(selfId));
      try {
        const updated = await (mine ? removeReaction : addReaction)(api, roomId, messageId, emoji);
        store.dispatch({ type: 'message/updated', message: normalizeMessage(updated) });
      } catch (err) {
        setNotice(refusal(err, 'change the reaction'));
      }
    },
    [api, roomId, selfId, store],
  );

  const loadMessage = useCallback(
    async (messageId: Id) => {
      if (store.get().messages.some((m) => m.id === messageId)) return true;
      try {
        const around = await listAround(api, roomId, messageId);
        if (!around.messages.some((m) => m.id === messageId)) {
          setNotice('That message is no longer available.');
          return false;
        }
        const fetched: Message[] = [...around.messages];
        // Connect it with the stretch on screen, so the history has no hole.
        const held = store.get().messages[0]?.id;
        let cursor = fetched[fetched.length - 1]!.id;
        let more = around.has_more_after;
        for (let i = 0; held !== undefined && more && cursor < held; i += 1) {
          if (i >= MAX_FILL_PAGES) {
            setNotice('That message is too far back to show here.');
            return false;
          }
          const page = await listMessages(api, roomId, { after: cursor }, 100);
          if (page.messages.length === 0) break;
          fetched.push(...page.messages);
          cursor = page.messages[page.messages.length - 1]!.id;
          more = page.has_more;
        }
        store.dispatch({ type: 'page/window', messages: fetched, hasMoreOlder: around.has_more });
        return store.get().messages.some((m) => m.id === messageId);
      } catch (err) {
        setNotice(isApiError(err) && err.status === 404 ? 'That message is no longer available.' : refusal(err, 'load that message'));
        return false;
      }
    },
    [api, roomId, store],
  );

  const retry = useCallback((clientId: string) => outbox.retry(clientId), [outbox]);
  const discard = useCallback((clientId: string) => outbox.discard(clientId), [outbox]);

  const notifyTyping = useCallback(() => typingThrottle.typed(), [typingThrottle]);

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
      roomSeq.current = typeof r.last_seq === 'number' ? r.last_seq : null;
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
    edit,
    remove,
    toggleReaction,
    loadMessage,
    ownerId: room ? (room.owner_id !== undefined ? room.owner_id : room.created_by.id) : null,
    retry,
    discard,
    notifyTyping,
    join,
    reconnectNow,
    newestOnScreen,
  };
}
