import { useId, useState, type FormEvent } from 'react';
import { isApiError } from '../../../lib/api-client';
import { useSession } from '../../../lib/app-context';
import { Link, navigate } from '../../../lib/router';
import { relativeTime } from '../../../lib/time';
import { Avatar, Icon } from '../../../lib/ui';
import type { Id, Room } from '../../../types/api';
import { dmPartner, knownUsers, roomSections } from '../hooks/directory';
import { badgeText } from '../hooks/rooms-state';
import type { RoomsState } from '../hooks/use-rooms';
import { UserPicker } from './UserPicker';

interface Props {
  state: RoomsState;
  activeRoomId: number | null;
}

function CreateRoomForm({ state, onDone }: { state: RoomsState; onDone: () => void }) {
  const [name, setName] = useState('');
  const [isPrivate, setPrivate] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const errorId = useId();
  const privateId = useId();
  const privateHint = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const room = await state.create(name.trim(), isPrivate ? 'private' : 'public');
      setName('');
      onDone();
      navigate(`/rooms/${room.id}`);
    } catch (err) {
      setError(isApiError(err) ? err.message : 'Could not create the room.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="create-room" onSubmit={submit} aria-label="Create a room">
      <label htmlFor={inputId} className="visually-hidden">
        Room name
      </label>
      <input
        id={inputId}
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="New room name"
        maxLength={64}
        autoFocus
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onDone();
        }}
      />
      <div className="create-room-kind">
        <input
          type="checkbox"
          id={privateId}
          checked={isPrivate}
          onChange={(e) => setPrivate(e.target.checked)}
          aria-describedby={privateHint}
        />
        <label htmlFor={privateId}>
          <Icon name="lock" width={14} height={14} /> Private room
        </label>
        <span className="create-room-hint" id={privateHint}>
          {isPrivate ? 'Only people you add can see it.' : 'Anyone can find and join it.'}
        </span>
      </div>
      <div className="create-room-actions">
        <button type="button" className="btn btn-ghost btn-sm" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary btn-sm" disabled={busy || name.trim() === ''}>
          Create room
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert" id={errorId}>
          {error}
        </p>
      )}
    </form>
  );
}

function RoomRow({ room, active, state, selfId }: { room: Room; active: boolean; state: RoomsState; selfId: Id }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const activity = room.last_message_at ? relativeTime(room.last_message_at) : 'no messages yet';
  const direct = room.kind === 'direct';
  const isPrivate = room.kind === 'private';
  const partner = dmPartner(room, selfId);
  // Presence comes with the rooms you view; someone not seen yet is shown as offline, unnamed.
  const seen = partner ? state.presence[partner.id] : undefined;
  const online = seen === true;
  const members = direct
    ? seen === undefined
      ? 'direct message'
      : online
        ? 'online'
        : 'offline'
    : `${room.member_count} ${room.member_count === 1 ? 'member' : 'members'}`;
  const unread = room.is_member ? room.unread_count : 0;
  const mentions = room.is_member ? room.mention_count : 0;
  const unreadText = unread > 0 ? `, ${unread} unread ${unread === 1 ? 'message' : 'messages'}` : '';
  const mentionText = mentions > 0 ? `, ${mentions} ${mentions === 1 ? 'mention' : 'mentions'}` : '';

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(isApiError(err) ? err.message : 'That did not work. Try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <li
      className={`room-row${active ? ' is-active' : ''}${room.is_member ? ' is-member' : ''}${unread > 0 ? ' has-unread' : ''}`}
      data-room-id={room.id}
      data-kind={room.kind ?? 'public'}
      data-unread={unread}
      data-mentions={mentions}
    >
      <Link
        to={`/rooms/${room.id}`}
        className="room-link"
        aria-current={active ? 'page' : undefined}
        aria-label={
          direct
            ? `Direct message with ${room.name}, ${members}, last activity ${activity}${unreadText}${mentionText}`
            : `${room.name}${isPrivate ? ', private' : ''}, ${members}, last activity ${activity}${room.is_member ? ', joined' : ''}${unreadText}${mentionText}`
        }
      >
        {direct ? (
          <span className="room-avatar">
            <Avatar name={room.name} size="sm" online={online} />
          </span>
        ) : (
          <span className={`room-icon${isPrivate ? ' is-private' : ''}`} aria-hidden="true" title={isPrivate ? 'Private room' : undefined}>
            <Icon name={isPrivate ? 'lock' : 'hash'} width={16} height={16} data-icon={isPrivate ? 'lock' : 'hash'} />
          </span>
        )}
        <span className="room-text">
          <span className="room-name">{room.name}</span>
          <span className="room-meta">
            {members} · {activity}
          </span>
        </span>
        {(mentions > 0 || unread > 0) && (
          <span className="room-badges" aria-hidden="true">
            {mentions > 0 && (
              <span className="badge badge--mention" title={`${mentions} ${mentions === 1 ? 'mention' : 'mentions'}`}>
                @{badgeText(mentions)}
              </span>
            )}
            {unread > 0 && (
              <span className="badge badge--unread" title={`${unread} unread`}>
                {badgeText(unread)}
              </span>
            )}
          </span>
        )}
      </Link>
      {direct ? null : room.is_member ? (
        <button
          type="button"
          className="icon-btn room-action"
          aria-label={`Leave ${room.name}`}
          title="Leave room"
          disabled={busy}
          onClick={() =>
            run(async () => {
              await state.leave(room.id);
              if (active) navigate('/rooms');
            })
          }
        >
          <Icon name="leave" width={16} height={16} />
        </button>
      ) : (
        <button
          type="button"
          className="btn btn-soft btn-sm room-action"
          aria-label={`Join ${room.name}`}
          disabled={busy}
          onClick={() =>
            run(async () => {
              await state.join(room.id);
              navigate(`/rooms/${room.id}`);
            })
          }
        >
          Join
        </button>
      )}
      {error && (
        <p className="form-error room-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

export function RoomsPanel({ state, activeRoomId }: Props) {
  const session = useSession();
  const selfId = session.user.id;
  const [creating, setCreating] = useState(false);
  const [messaging, setMessaging] = useState(false);
  const { direct, mine, discover: others } = roomSections(state.rooms);
  const mineHeading = useId();
  const othersHeading = useId();
  const dmHeading = useId();

  return (
    <nav className="rooms-panel" aria-label="Rooms">
      <div className="rooms-toolbar">
        <h2 className="rooms-title">Rooms</h2>
        {!creating && (
          <button type="button" className="btn btn-soft btn-sm" onClick={() => setCreating(true)}>
            <Icon name="plus" width={16} height={16} /> New room
          </button>
        )}
      </div>
      {creating && <CreateRoomForm state={state} onDone={() => setCreating(false)} />}
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}{' '}
          <button type="button" className="link-btn" onClick={() => void state.refresh()}>
            Retry
          </button>
        </p>
      )}
      {state.loading && state.rooms.length === 0 ? (
        <ul className="room-list" aria-busy="true" aria-label="Loading rooms">
          {[0, 1, 2].map((i) => (
            <li key={i} className="room-row skeleton" />
          ))}
        </ul>
      ) : (
        <>
          <section aria-labelledby={mineHeading}>
            <h3 className="section-label" id={mineHeading}>
              Your rooms <span className="count">{mine.length}</span>
            </h3>
            {mine.length === 0 ? (
              <p className="empty-hint">You have not joined any room yet. Create one or join one below.</p>
            ) : (
              <ul className="room-list" aria-label="Your rooms">
                {mine.map((room) => (
                  <RoomRow key={room.id} room={room} active={room.id === activeRoomId} state={state} selfId={selfId} />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby={dmHeading}>
            <div className="section-head">
              <h3 className="section-label" id={dmHeading}>
                Direct messages <span className="count">{direct.length}</span>
              </h3>
              {!messaging && (
                <button
                  type="button"
                  className="icon-btn section-action"
                  aria-label="New message"
                  title="New message"
                  onClick={() => setMessaging(true)}
                >
                  <Icon name="plus" width={16} height={16} />
                </button>
              )}
            </div>
            {messaging && (
              <UserPicker
                title="Start a direct message"
                inputLabel="Username to message"
                submitLabel="Message"
                pickLabel="Message"
                users={knownUsers(state.rooms, selfId)}
                autoFocus
                onCancel={() => setMessaging(false)}
                onPick={async (username) => {
                  const room = await state.openDm(username);
                  setMessaging(false);
                  navigate(`/rooms/${room.id}`);
                }}
              />
            )}
            {direct.length === 0 ? (
              !messaging && <p className="empty-hint">No direct messages yet.</p>
            ) : (
              <ul className="room-list" aria-label="Direct messages">
                {direct.map((room) => (
                  <RoomRow key={room.id} room={room} active={room.id === activeRoomId} state={state} selfId={selfId} />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby={othersHeading}>
            <h3 className="section-label" id={othersHeading}>
              Discover <span className="count">{others.length}</span>
            </h3>
            {others.length === 0 ? (
              <p className="empty-hint">No other rooms right now.</p>
            ) : (
              <ul className="room-list" aria-label="Other rooms">
                {others.map((room) => (
                  <RoomRow key={room.id} room={room} active={room.id === activeRoomId} state={state} selfId={selfId} />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </nav>
  );
}
