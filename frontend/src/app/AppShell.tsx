import { useCallback, useEffect, useRef, useState } from 'react';
import { me } from '../features/auth/api/auth-api';
import { RoomView } from '../features/chat/components/RoomView';
import { OutboxProvider } from '../features/chat/hooks/use-outbox';
import { NotificationSettings } from '../features/notifications/components/NotificationSettings';
import { useNotifications } from '../features/notifications/hooks/use-notifications';
import { canManageMembers, MemberManager } from '../features/rooms/components/MemberManager';
import { RoomsPanel } from '../features/rooms/components/RoomsPanel';
import { SearchBox } from '../features/rooms/components/SearchBox';
import { documentTitle, totalUnread } from '../features/rooms/hooks/rooms-state';
import { useRooms } from '../features/rooms/hooks/use-rooms';
import { useApp, useSession } from '../lib/app-context';
import { RealtimeHub } from '../lib/realtime';
import { RealtimeContext } from '../lib/realtime-context';
import { navigate, useLocationPath } from '../lib/router';
import { ticketedSocketUrl } from '../lib/ws-ticket';
import type { UserSummary } from '../types/api';
import { Avatar, Icon } from '../lib/ui';

/**
 * The signed-in app. It owns the tab's one user connection (opened here, after
 * log in, and kept across room switches) and the outbox, and hands them to the
 * features through context.
 */
export function AppShell({ roomId }: { roomId: number | null }) {
  const { api, config } = useApp();
  const session = useSession();
  const token = useRef(session.token);
  token.current = session.token;

  const [hub] = useState(
    () =>
      new RealtimeHub({
        // A new single-use ticket before every connect and reconnect; the JWT stays out of the URL.
        url: (signal) => ticketedSocketUrl(api, config.wsUrl, () => token.current, signal),
        onConnectFailure: (attempt, failure) => {
          // A failed ticket request said why (a 401 already signed out via the API client).
          // A refused upgrade does not: ask REST (a 401 signs out via the API client).
          if (failure.stage === 'socket' && (attempt === 1 || attempt % 3 === 0)) me(api).catch(() => {});
        },
      }),
  );
  useEffect(() => {
    hub.start();
    return () => hub.stop();
  }, [hub]);

  return (
    <RealtimeContext.Provider value={hub}>
      <Shell roomId={roomId} />
    </RealtimeContext.Provider>
  );
}

/** Layout: rooms on the left, the open room on the right (one at a time on a phone). */
function Shell({ roomId }: { roomId: number | null }) {
  const { signOut } = useApp();
  const session = useSession();
  const rooms = useRooms({ selfId: session.user.id, viewedRoomId: roomId });
  const activeRoom = rooms.rooms.find((r) => r.id === roomId);
  const unread = totalUnread(rooms.rooms);
  const otherUnread = unread - (activeRoom?.is_member ? activeRoom.unread_count : 0);

  const roomsRef = useRef(rooms.rooms);
  roomsRef.current = rooms.rooms;
  const roomName = useCallback((id: number) => roomsRef.current.find((r) => r.id === id)?.name ?? null, []);
  const notifications = useNotifications({ selfId: session.user.id, viewedRoomId: roomId, roomName });

  useEffect(() => {
    document.title = documentTitle(unread, activeRoom?.name);
  }, [unread, activeRoom?.name]);

  const onLeave = useCallback(
    async (id: number) => {
      await rooms.leave(id);
      navigate('/rooms');
    },
    [rooms],
  );

  const [dmError, setDmError] = useState<string | null>(null);
  const openDm = rooms.openDm;
  const onMessageUser = useCallback(
    async (user: UserSummary) => {
      setDmError(null);
      try {
        const room = await openDm(user.username);
        navigate(`/rooms/${room.id}`);
      } catch {
        setDmError(`Could not start a conversation with ${user.username}.`);
      }
    },
    [openDm],
  );

  // Taken out of a room by its owner: leave it if it is open, and say so.
  const removed = rooms.removed;
  useEffect(() => {
    if (removed && removed.roomId === roomId) navigate('/rooms', { replace: true });
  }, [removed, roomId]);

  // `/rooms/5?message=42` (a search result): open the room at that message.
  const path = useLocationPath();
  const jumpParam = new URLSearchParams(path.split('?')[1] ?? '').get('message');
  const jumpTo = jumpParam && /^\d+$/.test(jumpParam) ? Number(jumpParam) : null;
  const onJumped = useCallback(() => {
    if (roomId !== null) navigate(`/rooms/${roomId}`, { replace: true });
  }, [roomId]);

  return (
    <OutboxProvider onStored={rooms.noteMessage}>
      <div className={`shell${roomId !== null ? ' has-room' : ''}`}>
        <aside className="sidebar">
          <header className="sidebar-header">
            <div className="brand" aria-label="Chat">
              <span className="brand-mark" aria-hidden="true" />
              <span className="brand-name">Chat</span>
            </div>
          </header>
          <SearchBox rooms={rooms.rooms} />
          {(removed || dmError) && (
            <div className="banner sidebar-banner" role="alert">
              <span>{removed ? `You were removed from ${removed.name}.` : dmError}</span>
              <button
                type="button"
                className="icon-btn"
                aria-label="Dismiss"
                onClick={() => {
                  rooms.dismissRemoved();
                  setDmError(null);
                }}
              >
                <Icon name="close" width={16} height={16} />
              </button>
            </div>
          )}
          <RoomsPanel state={rooms} activeRoomId={roomId} />
          <footer className="sidebar-footer">
            <Avatar name={session.user.username} online />
            <div className="me">
              <span className="me-name">{session.user.username}</span>
              <span className="me-sub">Signed in</span>
            </div>
            <NotificationSettings state={notifications} />
            <button type="button" className="icon-btn" aria-label="Log out" title="Log out" onClick={() => signOut()}>
              <Icon name="logout" />
            </button>
          </footer>
        </aside>
        <main className="main">
          {roomId === null ? (
            <section className="room room--center welcome" aria-label="No room open">
              <div className="empty-state">
                <div className="room-start-icon" aria-hidden="true">
                  <Icon name="chat" width={28} height={28} />
                </div>
                <h1>Welcome, {session.user.username}</h1>
                <p className="muted">Pick a room on the left, or create a new one to start a conversation.</p>
              </div>
            </section>
          ) : (
            <RoomView
              key={roomId}
              roomId={roomId}
              knownName={activeRoom?.name}
              otherUnread={otherUnread}
              onRoomUpdated={rooms.upsert}
              onMarkedRead={rooms.markedRead}
              onLeave={activeRoom?.is_member === false || activeRoom?.kind === 'direct' ? undefined : onLeave}
              onMessageUser={(u) => void onMessageUser(u)}
              headerActions={
                canManageMembers(activeRoom, session.user.id) ? (
                  <MemberManager room={activeRoom} state={rooms} selfId={session.user.id} />
                ) : undefined
              }
              jumpTo={jumpTo}
              onJumped={onJumped}
            />
          )}
        </main>
      </div>
    </OutboxProvider>
  );
}
