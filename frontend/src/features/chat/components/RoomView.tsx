import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useSession } from '../../../lib/app-context';
import { Link } from '../../../lib/router';
import { Icon } from '../../../lib/ui';
import type { Id, Message, Room, UserSummary } from '../../../types/api';
import { lastEditable, typingText, withSelfOnline } from '../hooks/chat-state';
import { draftKey } from '../hooks/drafts';
import { useChatRoom } from '../hooks/use-chat-room';
import { Composer, type ComposeMode } from './Composer';
import { ConfirmDialog } from './ConfirmDialog';
import { ConnectionStatus } from './ConnectionStatus';
import { MembersPanel } from './MembersPanel';
import { MessageList, type RowActions } from './MessageList';
import { preloadRichText } from './RichText';

interface Props {
  roomId: number;
  /** The name from the rooms list, shown while the room itself cannot be read. */
  knownName?: string;
  /** Unread messages in the other rooms (a badge on the phone's back button, where the list is hidden). */
  otherUnread?: number;
  onRoomUpdated?: (room: Room) => void;
  onMarkedRead?: (roomId: number, messageId: number) => void;
  onLeave?: (roomId: number) => Promise<void>;
  /** Start a direct conversation with a member (from the people panel). */
  onMessageUser?: (user: UserSummary) => void;
  /** Extra controls for the header (the owner's member manager). */
  headerActions?: ReactNode;
  /** A message to show once the room is open (a search result); `onJumped` when done. */
  jumpTo?: Id | null;
  onJumped?: () => void;
}

preloadRichText();

export function RoomView({
  roomId,
  knownName,
  otherUnread = 0,
  onRoomUpdated,
  onMarkedRead,
  onLeave,
  onMessageUser,
  headerActions,
  jumpTo = null,
  onJumped,
}: Props) {
  const session = useSession();
  const chat = useChatRoom(roomId, { onRoomUpdated, onMarkedRead });
  const [showMembers, setShowMembers] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [joining, setJoining] = useState(false);
  const [mode, setMode] = useState<ComposeMode>(null);
  const [confirmDelete, setConfirmDelete] = useState<Message | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [reveal, setReveal] = useState<{ id: Id; nonce: number } | null>(null);
  const chatRef = useRef(chat);
  chatRef.current = chat;

  // The room's members (and anyone online in it), for names of reactors and @mentions.
  const roomMembers = chat.room?.members;
  const members = useMemo(() => {
    const list: UserSummary[] = [...(roomMembers ?? [])];
    const online = withSelfOnline(chat.state.online, { id: session.user.id, username: session.user.username });
    for (const u of online) if (!list.some((m) => m.id === u.id)) list.push(u);
    return list;
  }, [roomMembers, chat.state.online, session.user.id, session.user.username]);

  const jump = useCallback(async (id: Id) => {
    if (await chatRef.current.loadMessage(id)) setReveal({ id, nonce: Date.now() });
  }, []);

  // Open at a message (a search result): once the first page is in, load the window around it.
  const loaded = chat.access === 'member' && chat.state.loaded;
  const onJumpedRef = useRef(onJumped);
  onJumpedRef.current = onJumped;
  useEffect(() => {
    if (!loaded || jumpTo === null) return;
    void jump(jumpTo).finally(() => onJumpedRef.current?.());
  }, [loaded, jumpTo, jump]);

  const actions = useMemo<RowActions>(
    () => ({
      selfId: session.user.id,
      ownerId: chat.ownerId,
      members,
      onReply: (message) => setMode({ kind: 'reply', message }),
      onEdit: (message) => setMode({ kind: 'edit', message }),
      onDelete: (message) => setConfirmDelete(message),
      onToggleReaction: (message, emoji) => void chatRef.current.toggleReaction(message.id, emoji),
      onJump: (id) => void jump(id),
      onRetry: chat.retry,
      onDiscard: chat.discard,
    }),
    [session.user.id, chat.ownerId, members, jump, chat.retry, chat.discard],
  );

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
  // How the room is named in running text: `#general`, or `@bob` for a direct room.
  const roomLabel = `${room?.kind === 'direct' ? '@' : '#'}${roomName}`;
  // You count as online yourself, whatever the last presence frame said.
  const online = withSelfOnline(chat.state.online, { id: session.user.id, username: session.user.username });
  // A message being edited or replied to that was deleted meanwhile: stop.
  const modeMessage = mode ? chat.state.messages.find((m) => m.id === mode.message.id) : null;
  const liveMode: ComposeMode = mode && modeMessage && !modeMessage.deleted ? mode : null;
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
            {room?.kind === 'private' ? (
              <span className="room-hash room-lock" aria-hidden="true" title="Private room">
                <Icon name="lock" width={16} height={16} />
              </span>
            ) : (
              <span className="room-hash" aria-hidden="true">
                {room?.kind === 'direct' ? '@' : '#'}
              </span>
            )}
            {roomName}
            {room?.kind === 'private' && <span className="visually-hidden"> (private)</span>}
          </h1>
          <p className="room-sub">
            {members.length} {members.length === 1 ? 'member' : 'members'} · {online.length} online
          </p>
        </div>
        <ConnectionStatus info={chat.connection} onReconnect={chat.reconnectNow} />
        {headerActions}
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
            roomLabel={roomLabel}
            state={chat.state}
            pending={chat.pending}
            onNewestOnScreen={chat.newestOnScreen}
            loadingOlder={chat.loadingOlder}
            onLoadOlder={chat.loadOlder}
            actions={actions}
            reveal={reveal}
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
            roomLabel={roomLabel}
            draftKey={draftKey(session.user.id, roomId)}
            onSend={(content) => {
              if (liveMode?.kind === 'reply') {
                const parent = liveMode.message;
                chat.send(content, { id: parent.id, sender: parent.sender, excerpt: parent.content.slice(0, 100) });
                setMode(null);
              } else {
                chat.send(content);
              }
            }}
            onTyping={chat.notifyTyping}
            members={members}
            selfId={session.user.id}
            mode={liveMode}
            onCancelMode={() => setMode(null)}
            onSaveEdit={(message, content) => chat.edit(message.id, content)}
            onEditLast={() => {
              const last = lastEditable(chat.state);
              if (last) setMode({ kind: 'edit', message: last });
            }}
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
        {confirmDelete && (
          <ConfirmDialog
            title={confirmDelete.sender.id === session.user.id ? 'Delete your message?' : `Delete ${confirmDelete.sender.username}'s message?`}
            confirmLabel="Delete"
            busy={deleting}
            onCancel={() => setConfirmDelete(null)}
            onConfirm={async () => {
              setDeleting(true);
              await chat.remove(confirmDelete.id); // a refusal shows in the banner
              setDeleting(false);
              setConfirmDelete(null);
            }}
          >
            <p className="muted">Everyone in {roomLabel} will see “This message was deleted” instead. This cannot be undone.</p>
            <blockquote className="confirm-quote">{confirmDelete.content.slice(0, 200)}</blockquote>
          </ConfirmDialog>
        )}
        <MembersPanel
          online={online}
          members={members}
          selfId={session.user.id}
          live={chat.connection.status === 'connected'}
          onMessage={room?.kind === 'direct' ? undefined : onMessageUser}
        />
      </div>
    </section>
  );
}
