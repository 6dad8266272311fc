import { useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../../../lib/api-client';
import { ConfirmDialog } from '../../../lib/confirm-dialog';
import { Avatar, Icon } from '../../../lib/ui';
import type { Id, Room, UserSummary } from '../../../types/api';
import { knownUsers } from '../hooks/directory';
import type { RoomsState } from '../hooks/use-rooms';
import { UserPicker } from './UserPicker';

/** Whether you may manage this room's members: you own it and it is not a direct conversation. */
export function canManageMembers(room: Room | undefined, selfId: Id): room is Room {
  return !!room && room.is_member && room.kind !== 'direct' && room.owner_id === selfId;
}

function ManagerDialog({ room, state, selfId, onClose }: { room: Room; state: RoomsState; selfId: Id; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [confirm, setConfirm] = useState<UserSummary | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const members = [...room.members].sort((a, b) => a.username.localeCompare(b.username));

  return (
    <dialog
      ref={ref}
      className="confirm member-manager"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!confirm) onClose();
      }}
    >
      <div className="confirm-inner">
        <div className="manager-head">
          <h2 id={titleId} className="confirm-title">
            Members of {room.kind === 'private' ? '' : '#'}
            {room.name}
          </h2>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
            <Icon name="close" width={16} height={16} />
          </button>
        </div>
        <UserPicker
          title="Add a member"
          inputLabel="Username to add"
          submitLabel="Add"
          pickLabel="Add"
          users={knownUsers(state.rooms, selfId)}
          exclude={room.members.map((m) => m.id)}
          onPick={async (username) => {
            setNotice(null);
            await state.addMember(room.id, username);
            setNotice(`${username} was added.`);
          }}
        />
        {notice && (
          <p className="muted manager-notice" role="status">
            {notice}
          </p>
        )}
        <ul className="people manager-list" aria-label="Members">
          {members.map((m) => (
            <li key={m.id} className="person">
              <Avatar name={m.username} size="sm" />
              <span className="person-name">
                {m.username}
                {m.id === selfId ? ' (you, owner)' : ''}
              </span>
              {m.id !== selfId && (
                <button
                  type="button"
                  className="btn btn-ghost btn-sm person-action"
                  aria-label={`Remove ${m.username}`}
                  onClick={() => {
                    setError(null);
                    setConfirm(m);
                  }}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {confirm && (
        <ConfirmDialog
          title={`Remove ${confirm.username}?`}
          confirmLabel="Remove"
          busy={busy}
          onCancel={() => setConfirm(null)}
          onConfirm={async () => {
            setBusy(true);
            try {
              await state.removeMember(room.id, confirm.id);
              setNotice(`${confirm.username} was removed.`);
            } catch (err) {
              setError(isApiError(err) ? err.message : 'Could not remove them. Try again.');
            } finally {
              setBusy(false);
              setConfirm(null);
            }
          }}
        >
          <p className="muted">
            {confirm.username} will no longer see {room.kind === 'private' ? 'this private room or its messages' : 'this room in their rooms'}.
          </p>
        </ConfirmDialog>
      )}
    </dialog>
  );
}

/** The owner's "Manage members" button and its dialog (add by username, remove with a confirmation). */
export function MemberManager({ room, state, selfId }: { room: Room; state: RoomsState; selfId: Id }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="icon-btn"
        aria-label="Manage members"
        title="Manage members"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        <Icon name="user-plus" />
      </button>
      {open && <ManagerDialog room={room} state={state} selfId={selfId} onClose={() => setOpen(false)} />}
    </>
  );
}
