import { useState } from 'react';
import { useSession } from '../../../lib/app-context';
import { Link } from '../../../lib/router';
import { Icon } from '../../../lib/ui';
import type { Room, UserSummary } from '../../../types/api';
import { typingText, withSelfOnline } from '../hooks/chat-state';
import { draftKey } from '../hooks/drafts';
import { useChatRoom } from '../hooks/use-chat-room';
import { Composer } from './Composer';
import { ConnectionStatus } from './ConnectionStatus';
import { MembersPanel } from './MembersPanel';
import { MessageList } from './MessageList';

interface Props {
  roomId: number;
  /** The name from the rooms list, shown while the room itself cannot be read. */
  knownName?: string;
  /** Unread messages in the other rooms (a badge on the phone's back button, where the list is hidden). */
  otherUnread?: number;
  onRoomUpdated?: (room: Room) => void;
  onMarkedRead?: (roomId: number, messageId: number) => void;
  onLeave?: (roomId: number) => Promise<void>;
}

export function RoomView({ roomId, knownName, otherUnread = 0, onRoomUpdated, onMarkedRead, onLeave }: Props) {
  const session = useSession();
  const chat = useChatRoom(roomId, { onRoomUpdated, onMarkedRead });
  const [showMembers, setShowMembers] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [joining, setJoining] = useState(false);

  if (chat.access === 'loading') {
    return (
      <section className="room room--center" aria-busy="true" aria-label="Loading room">
        <p className="muted">Opening room…</p>
      </section>
    );
  }

  if (chat.access === 'not-found' || chat.access === 'error') {
    return (
      <section className="room room--center" aria-label="Room unavailable">
        <div className="empty-state">
          <h1>{chat.access === 'not-found' ? 'Room not found' : 'Could not open this room'}</h1>
          <p className="muted">{chat.accessError ?? 'It may have been removed, or the link is wrong.'}</p>
          <Link to="/rooms" className="btn btn-soft">
            Back to rooms
          </Link>
        </div>
      </section>
    );
  }

  if (chat.access === 'not-member') {
    const name = chat.room?.name ?? knownName ?? `room ${roomId}`;
    return (
      <section className="room room--center" aria-label={`Join ${name}`}>
        <div className="empty-state">
          <div className="room-start-icon" aria-hidden="true">
            <Icon name="hash" width={28} height={28} />
          </div>
          <h1>#{name}</h1>
          <p className="muted">
            {chat.room
              ? `${chat.room.member_count} ${chat.room.member_count === 1 ? 'member' : 'members'}. Join to read and send messages.`
              : 'Join this room to read and send messages.'}
          </p>
          {chat.accessError && (
            <p className="form-error" role="alert">
              {chat.accessError}
            </p>
          )}
          <div className="empty-actions">
            <Link to="/rooms" className="btn btn-ghost mobile-only">
              Back
            </Link>
            <button
              type="button"
              className="btn btn-primary"
              disabled={joining}
              onClick={async () => {
                setJoining(true);
                await chat.join();
                setJoining(false);
              }}
            >
              Join room
            </button>
          </div>
        </div>
      </section>
    );
  }

  const room = chat.room;
  const roomName = room?.name ?? '';
  // You count as online yourself, whatever the last presence frame said.
  const online = withSelfOnline(chat.state.online, { id: session.user.id, username: session.user.username });
  const members: UserSummary[] = [...(room?.members ?? [])];
  for (const u of online) if (!members.some((m) => m.id === u.id)) members.push(u);
  const typing = typingText(chat.state.typing);

  return (
    <section className={`room${showMembers ? ' show-members' : ''}`} aria-label={`Room ${roomName}`}>
      <header className="room-header">
        <Link
          to="/rooms"
          className="icon-btn mobile-only back-btn"
          aria-label={otherUnread > 0 ? `Back to rooms, ${otherUnread} unread elsewhere` : 'Back to rooms'}
        >
          <Icon name="back" />
          {otherUnread > 0 && (
            <span className="badge badge--unread back-badge" aria-hidden="true">
              {otherUnread > 99 ? '99+' : otherUnread}
            </span>
          )}
        </Link>
        <div className="room-heading">
          <h1 className="room-title">
            <span className="room-hash" aria-hidden="true">
              #
            </span>
            {roomName}
          </h1>
          <p className="room-sub">
            {members.length} {members.length === 1 ? 'member' : 'members'} · {online.length} online
          </p>
        </div>
        <ConnectionStatus info={chat.connection} onReconnect={chat.reconnectNow} />
        <button
          type="button"
          className={`icon-btn members-toggle${showMembers ? ' is-on' : ''}`}
          aria-label="Show people in this room"
          aria-pressed={showMembers}
          onClick={() => setShowMembers((v) => !v)}
        >
          <Icon name="users" />
        </button>
        {onLeave && (
          <button
            type="button"
            className="icon-btn"
            aria-label={`Leave ${roomName}`}
            title="Leave room"
            disabled={leaving}
            onClick={async () => {
              setLeaving(true);
              try {
                await onLeave(roomId);
              } finally {
                setLeaving(false);
              }
            }}
          >
            <Icon name="leave" />
          </button>
        )}
      </header>
      {chat.notice && (
        <div className="banner" role="alert">
          <span>{chat.notice}</span>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={chat.dismissNotice}>
            <Icon name="close" width={16} height={16} />
          </button>
        </div>
      )}
      <div className="room-body">
        <div className="room-main">
          <MessageList
            roomName={roomName}
            state={chat.state}
            pending={chat.pending}
            onNewestOnScreen={chat.newestOnScreen}
            loadingOlder={chat.loadingOlder}
            onLoadOlder={chat.loadOlder}
            onRetry={chat.retry}
            onDiscard={chat.discard}
          />
          <div className="typing" aria-live="polite" role="status" aria-label="Typing">
            {typing && (
              <>
                <span className="typing-dots" aria-hidden="true">
                  <i />
                  <i />
                  <i />
                </span>
                {typing}
              </>
            )}
          </div>
          <Composer
            roomName={roomName}
            draftKey={draftKey(session.user.id, roomId)}
            onSend={chat.send}
            onTyping={chat.notifyTyping}
          />
        </div>
        {showMembers && (
          <button
            type="button"
            className="members-backdrop"
            aria-label="Close the people panel"
            onClick={() => setShowMembers(false)}
          />
        )}
        <MembersPanel
          online={online}
          members={members}
          selfId={session.user.id}
          live={chat.connection.status === 'connected'}
        />
      </div>
    </section>
  );
}
