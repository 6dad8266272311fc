// Everything live about one open room: its details, the message list, the
// socket (via lib/ws-client), presence, typing and sending with optimistic
// display. UI components read the returned state and call its actions.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { roomSocketUrl } from '../../../config/runtime-config';
import { isApiError } from '../../../lib/api-client';
import { useApp, useSession } from '../../../lib/app-context';
import { newClientId } from '../../../lib/ids';
import { WsClient, type StatusInfo } from '../../../lib/ws-client';
import type { Message, Room, ServerFrame } from '../../../types/api';
import { getRoom, joinRoom, listMessages, postMessage } from '../api/chat-api';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from './chat-state';

const TYPING_SHOW_MS = 5_000;
const TYPING_SEND_EVERY_MS = 3_000;
/** A message sent over the socket without an echo by then is marked failed (Retry is safe). */
const ECHO_TIMEOUT_MS = 15_000;

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

export interface ChatRoom {
  room: Room | null;
  access: RoomAccess;
  accessError: string | null;
  state: ChatState;
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
}

export function useChatRoom(
  roomId: number,
  callbacks: {
    onActivity?: (roomId: number, at: string) => void;
    /** A fresher copy of the room (opened, joined, someone new came online). */
    onRoomUpdated?: (room: Room) => void;
  } = {},
): ChatRoom {
  const { api, config } = useApp();
  const session = useSession();
  const selfId = session.user.id;
  const store = useMemo(() => createStore(selfId), [selfId, roomId]);
  const state = useSyncExternalStore(store.subscribe, store.get, store.get);

  const [room, setRoom] = useState<Room | null>(null);
  const [access, setAccess] = useState<RoomAccess>('loading');
  const [accessError, setAccessError] = useState<string | null>(null);
  const [connection, setConnection] = useState<StatusInfo>({ status: 'connecting', attempt: 0, nextRetryAt: null });
  const [notice, setNotice] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);

  const clientRef = useRef<WsClient | null>(null);
  const caughtUp = useRef(false);
  const connectedRef = useRef(false);
  const lastTypingSent = useRef(0);
  const echoTimers = useRef(new Map<string, number>());
  const roomRef = useRef<Room | null>(null);
  roomRef.current = room;
  const callbacksRef = useRef(callbacks);
  callbacksRef.current = callbacks;

  // ---- room details and access --------------------------------------------
  useEffect(() => {
    let cancelled = false;
    setRoom(null);
    setAccess('loading');
    setAccessError(null);
    getRoom(api, roomId)
      .then((r) => {
        if (cancelled) return;
        setRoom(r);
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

  // ---- sending ---------------------------------------------------------------
  const clearEchoTimer = useCallback((clientId: string) => {
    const t = echoTimers.current.get(clientId);
    if (t !== undefined) {
      window.clearTimeout(t);
      echoTimers.current.delete(clientId);
    }
  }, []);

  const deliver = useCallback(
    (clientId: string, content: string) => {
      const client = clientRef.current;
      clearEchoTimer(clientId);
      if (client && client.isOpen && client.send({ action: 'sendMessage', content, client_id: clientId })) {
        echoTimers.current.set(
          clientId,
          window.setTimeout(() => {
            echoTimers.current.delete(clientId);
            const p = store.get().pending.find((x) => x.client_id === clientId);
            if (p && p.status === 'sending') {
              store.dispatch({ type: 'send/failed', clientId, error: 'Not confirmed by the server.' });
            }
          }, ECHO_TIMEOUT_MS),
        );
        return;
      }
      // No live socket: REST stores it and pushes it to everyone else's sockets.
      postMessage(api, roomId, { content, client_id: clientId })
        .then((message) => {
          store.dispatch({ type: 'message/stored', message });
          callbacksRef.current.onActivity?.(roomId, message.created_at);
        })
        .catch((err: unknown) => {
          store.dispatch({
            type: 'send/failed',
            clientId,
            error: isApiError(err) ? err.message : 'Could not send.',
          });
        });
    },
    [api, roomId, store, clearEchoTimer],
  );

  /** After a reconnect has caught up, resend what never got its echo (same client_id: no duplicates). */
  const resendInFlight = useCallback(() => {
    for (const p of store.get().pending) {
      if (p.status === 'sending') deliver(p.client_id, p.content);
    }
  }, [store, deliver]);

  // ---- the socket --------------------------------------------------------------
  useEffect(() => {
    if (access !== 'member') return;
    let cancelled = false;
    caughtUp.current = false;

    // A first page over REST: fast, and works even if the socket cannot connect.
    listMessages(api, roomId)
      .then((page) => {
        if (!cancelled) store.dispatch({ type: 'page/newest', page });
      })
      .catch(() => {
        // The socket's sync fills the list; a 401 is handled globally.
      });

    const onFrame = (frame: ServerFrame, ctx: { syncAfter: number | null }) => {
      switch (frame.type) {
        case 'history': {
          const page = { messages: frame.messages, has_more: frame.has_more };
          if (ctx.syncAfter === null) {
            store.dispatch({ type: 'page/newest', page });
          } else {
            store.dispatch({ type: 'page/after', page });
          }
          const last = frame.messages[frame.messages.length - 1];
          if (last) callbacksRef.current.onActivity?.(roomId, last.created_at);
          if (ctx.syncAfter !== null && frame.has_more) {
            client.sync(); // more was missed than one page: keep catching up
          } else {
            caughtUp.current = true;
            resendInFlight();
          }
          break;
        }
        case 'message': {
          const message: Message = frame.message;
          if (message.room_id !== roomId) break;
          if (message.client_id) clearEchoTimer(message.client_id);
          store.dispatch({ type: 'message/live', message, advancesSync: caughtUp.current });
          callbacksRef.current.onActivity?.(roomId, message.created_at);
          break;
        }
        case 'presence': {
          store.dispatch({ type: 'presence', online: frame.online });
          // Someone we do not know as a member came online: they just joined, refresh the room.
          const known = roomRef.current?.members ?? [];
          if (frame.online.some((u) => !known.some((m) => m.id === u.id))) {
            getRoom(api, roomId)
              .then((r) => {
                if (cancelled) return;
                setRoom(r);
                callbacksRef.current.onRoomUpdated?.(r);
              })
              .catch(() => {});
          }
          break;
        }
        case 'typing':
          store.dispatch({ type: 'typing', user: frame.user, until: Date.now() + TYPING_SHOW_MS });
          break;
        case 'error': {
          if (frame.client_id) {
            clearEchoTimer(frame.client_id);
            store.dispatch({ type: 'send/failed', clientId: frame.client_id, error: frame.message });
          } else {
            setNotice(frame.message);
          }
          break;
        }
        case 'pong':
          break;
      }
    };

    const client = new WsClient({
      url: () => roomSocketUrl(config.wsUrl, session.token, roomId),
      getLastSeenId: () => store.get().syncedUpTo,
      onFrame,
      onStatus: (info) => {
        const wasConnected = connectedRef.current;
        connectedRef.current = info.status === 'connected';
        if (info.status !== 'connected') caughtUp.current = false;
        if (cancelled) return;
        setConnection(info);
        // The socket dropped with messages still waiting for their echo: hand
        // them to REST now (same client_id, so one that did arrive is not stored twice).
        if (wasConnected && info.status !== 'connected') resendInFlight();
      },
      onConnectFailure: (attempt) => {
        // A refused upgrade does not say why: ask REST (a 401 signs out via the API client).
        if (attempt === 1 || attempt % 3 === 0) {
          getRoom(api, roomId)
            .then((r) => {
              if (!r.is_member && !cancelled) {
                client.stop();
                setAccess('not-member');
              }
            })
            .catch((err: unknown) => {
              if (cancelled) return;
              if (isApiError(err) && (err.status === 403 || err.status === 404)) {
                client.stop();
                setAccess(err.status === 403 ? 'not-member' : 'not-found');
              }
            });
        }
      },
    });
    clientRef.current = client;
    client.start();

    // Coming back to a tab whose socket is waiting out a backoff: try at once.
    const onVisible = () => {
      if (document.visibilityState === 'visible') client.reconnectNow();
    };
    document.addEventListener('visibilitychange', onVisible);

    const timers = echoTimers.current;
    return () => {
      cancelled = true;
      document.removeEventListener('visibilitychange', onVisible);
      client.stop();
      if (clientRef.current === client) clientRef.current = null;
      for (const t of timers.values()) window.clearTimeout(t);
      timers.clear();
    };
  }, [access, api, config.wsUrl, roomId, session.token, store, resendInFlight, clearEchoTimer]);

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
      const clientId = newClientId();
      store.dispatch({
        type: 'send/start',
        pending: {
          client_id: clientId,
          content,
          created_at: new Date().toISOString(),
          sender: { id: session.user.id, username: session.user.username },
          status: 'sending',
          error: null,
        },
      });
      lastTypingSent.current = 0;
      deliver(clientId, content);
    },
    [store, session.user.id, session.user.username, deliver],
  );

  const retry = useCallback(
    (clientId: string) => {
      const p = store.get().pending.find((x) => x.client_id === clientId);
      if (!p) return;
      store.dispatch({ type: 'send/retry', clientId });
      deliver(clientId, p.content);
    },
    [store, deliver],
  );

  const discard = useCallback(
    (clientId: string) => {
      clearEchoTimer(clientId);
      store.dispatch({ type: 'send/discard', clientId });
    },
    [store, clearEchoTimer],
  );

  const notifyTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastTypingSent.current < TYPING_SEND_EVERY_MS) return;
    if (clientRef.current?.send({ action: 'typing' })) lastTypingSent.current = now;
  }, []);

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
      const r = await joinRoom(api, roomId);
      setRoom(r);
      callbacksRef.current.onRoomUpdated?.(r);
      setAccess('member');
    } catch (err) {
      setAccessError(isApiError(err) ? err.message : 'Could not join this room.');
      if (isApiError(err) && err.status === 404) setAccess('not-found');
      else setReloadKey((k) => k + 1);
    }
  }, [api, roomId]);

  const reconnectNow = useCallback(() => clientRef.current?.reconnectNow(), []);
  const dismissNotice = useCallback(() => setNotice(null), []);

  return {
    room,
    access,
    accessError,
    state,
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
  };
}
