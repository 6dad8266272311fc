// One Outbox per signed-in tab, wired to the user connection: it hears every
// frame (echoes, errors), every (re)open and every loss of the socket.
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useApp, useSession } from '../../../lib/app-context';
import { useRealtime } from '../../../lib/realtime-context';
import type { Id, Message } from '../../../types/api';
import { postMessage } from '../api/chat-api';
import { Outbox, type PendingMessage } from './outbox';

const OutboxContext = createContext<Outbox | null>(null);

export function OutboxProvider({ children, onStored }: { children: ReactNode; onStored?: (message: Message) => void }) {
  const { api } = useApp();
  const session = useSession();
  const hub = useRealtime();
  const { id, username } = session.user;
  const [outbox] = useState(
    () =>
      new Outbox({
        self: { id, username },
        sendFrame: (frame) => hub.send(frame),
        isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
        post: (roomId, body) => postMessage(api, roomId, body),
      }),
  );
  const onStoredRef = useRef(onStored);
  onStoredRef.current = onStored;

  useEffect(() => {
    const offs = [
      hub.onFrame((frame) => outbox.handleFrame(frame)),
      hub.onOpen(() => outbox.connectionOpened()),
      hub.onLost(() => outbox.connectionLost()),
      outbox.onStored((message) => onStoredRef.current?.(message)),
    ];
    const online = () => outbox.networkOnline();
    window.addEventListener('online', online);
    return () => {
      for (const off of offs) off();
      window.removeEventListener('online', online);
      outbox.stopTimers();
    };
  }, [hub, outbox]);

  return <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>;
}

export function useOutbox(): Outbox {
  const outbox = useContext(OutboxContext);
  if (!outbox) throw new Error('useOutbox() outside <OutboxProvider>');
  return outbox;
}

/** A room's own messages still on their way, re-rendering when they change. */
export function usePendingMessages(roomId: Id): readonly PendingMessage[] {
  const outbox = useOutbox();
  const get = () => outbox.pendingFor(roomId);
  return useSyncExternalStore(outbox.subscribe, get, get);
}
