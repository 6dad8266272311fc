import { useId } from 'react';
import { Avatar, Icon } from '../../../lib/ui';
import type { UserSummary } from '../../../types/api';

interface Props {
  online: UserSummary[];
  members: UserSummary[];
  selfId: number;
  live: boolean;
  /** Start (or open) a direct conversation with that person. */
  onMessage?: (user: UserSummary) => void;
}

export function MembersPanel({ online, members, selfId, live, onMessage }: Props) {
  const onlineId = useId();
  const offlineId = useId();
  const onlineIds = new Set(online.map((u) => u.id));
  const offline = members
    .filter((m) => !onlineIds.has(m.id))
    .sort((a, b) => a.username.localeCompare(b.username));
  const name = (u: UserSummary) => (u.id === selfId ? `${u.username} (you)` : u.username);
  const message = (u: UserSummary) =>
    onMessage && u.id !== selfId ? (
      <button
        type="button"
        className="icon-btn person-action"
        aria-label={`Message ${u.username}`}
        title={`Message ${u.username}`}
        onClick={() => onMessage(u)}
      >
        <Icon name="message" width={16} height={16} />
      </button>
    ) : null;

  return (
    <aside className={`members${live ? '' : ' is-stale'}`} aria-label="People in this room">
      {!live && <p className="stale-note">Not connected: this list may be out of date.</p>}
      <section aria-labelledby={onlineId}>
        <h2 className="section-label" id={onlineId}>
          Online <span className="count">{online.length}</span>
        </h2>
        <ul className="people" aria-label="Online users">
          {online.map((u) => (
            <li key={u.id} className="person">
              <Avatar name={u.username} size="sm" online />
              <span className="person-name">{name(u)}</span>
              {message(u)}
            </li>
          ))}
          {online.length === 0 && <li className="empty-hint">{live ? 'Nobody online' : 'Waiting for connection…'}</li>}
        </ul>
      </section>
      {offline.length > 0 && (
        <section aria-labelledby={offlineId}>
          <h2 className="section-label" id={offlineId}>
            Offline <span className="count">{offline.length}</span>
          </h2>
          <ul className="people people--offline" aria-label="Offline members">
            {offline.map((u) => (
              <li key={u.id} className="person">
                <Avatar name={u.username} size="sm" online={false} />
                <span className="person-name">{name(u)}</span>
                {message(u)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}
