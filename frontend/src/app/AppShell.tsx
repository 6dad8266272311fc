import { useCallback, useEffect } from 'react';
import { RoomView } from '../features/chat/components/RoomView';
import { RoomsPanel } from '../features/rooms/components/RoomsPanel';
import { useRooms } from '../features/rooms/hooks/use-rooms';
import { useApp, useSession } from '../lib/app-context';
import { navigate } from '../lib/router';
import { Avatar, Icon } from '../lib/ui';

/** Signed-in layout: rooms on the left, the open room on the right (one at a time on a phone). */
export function AppShell({ roomId }: { roomId: number | null }) {
  const { signOut } = useApp();
  const session = useSession();
  const rooms = useRooms();
  const activeRoom = rooms.rooms.find((r) => r.id === roomId);

  useEffect(() => {
    document.title = activeRoom ? `#${activeRoom.name} · Chat` : 'Chat';
  }, [activeRoom]);

  const onLeave = useCallback(
    async (id: number) => {
      await rooms.leave(id);
      navigate('/rooms');
    },
    [rooms],
  );

  return (
    <div className={`shell${roomId !== null ? ' has-room' : ''}`}>
      <aside className="sidebar">
        <header className="sidebar-header">
          <div className="brand" aria-label="Chat">
            <span className="brand-mark" aria-hidden="true" />
            <span className="brand-name">Chat</span>
          </div>
        </header>
        <RoomsPanel state={rooms} activeRoomId={roomId} />
        <footer className="sidebar-footer">
          <Avatar name={session.user.username} online />
          <div className="me">
            <span className="me-name">{session.user.username}</span>
            <span className="me-sub">Signed in</span>
          </div>
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
            onActivity={rooms.touch}
            onRoomUpdated={rooms.upsert}
            onLeave={activeRoom?.is_member === false ? undefined : onLeave}
          />
        )}
      </main>
    </div>
  );
}
