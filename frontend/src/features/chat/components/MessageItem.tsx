import { memo } from 'react';
import { fullTimestamp, timeLabel } from '../../../lib/time';
import { Avatar, Icon } from '../../../lib/ui';
import type { TimelineRow } from '../hooks/timeline';

type Row = Extract<TimelineRow, { kind: 'message' }>;

interface Props {
  row: Row;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
}

export const MessageItem = memo(function MessageItem({ row, onRetry, onDiscard }: Props) {
  const { item, own, continuation } = row;
  const m = item.message;
  const pending = item.kind === 'pending' ? item.message : null;
  const sender = own ? 'You' : m.sender.username;
  const classes = [
    'msg',
    own ? 'msg--own' : 'msg--other',
    continuation ? 'msg--cont' : '',
    pending ? `msg--${pending.status}` : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <li
      className={classes}
      data-own={own ? 'true' : 'false'}
      data-status={pending ? pending.status : 'sent'}
      data-message-id={item.kind === 'confirmed' ? item.message.id : undefined}
    >
      {!own && (
        <div className="msg-gutter">{!continuation && <Avatar name={m.sender.username} />}</div>
      )}
      <div className="msg-body">
        {!continuation && (
          <div className="msg-head">
            <span className="msg-sender">{sender}</span>
            <time className="msg-time" dateTime={m.created_at} title={fullTimestamp(m.created_at)}>
              {timeLabel(m.created_at)}
            </time>
          </div>
        )}
        {continuation && (
          <span className="visually-hidden">
            {sender}, {timeLabel(m.created_at)}:{' '}
          </span>
        )}
        <div className="msg-bubble" title={continuation ? fullTimestamp(m.created_at) : undefined}>
          <p className="msg-text">{m.content}</p>
        </div>
        {pending && pending.status === 'sending' && <span className="msg-state">Sending…</span>}
        {pending && pending.status === 'queued' && (
          <span className="msg-state" title="It goes out by itself, in order, once the connection is back">
            Waiting to send…
          </span>
        )}
        {pending && pending.status === 'waiting' && (
          <span className="msg-state msg-state--warn" role="status">
            {pending.error ?? 'Waiting to send again…'}
          </span>
        )}
        {pending && pending.status === 'failed' && (
          <div className="msg-failed" role="alert">
            <span>Not sent{pending.error ? `: ${pending.error}` : ''}</span>
            <button type="button" className="link-btn" onClick={() => onRetry(pending.client_id)}>
              <Icon name="retry" width={14} height={14} /> Retry
            </button>
            <button type="button" className="link-btn link-btn--muted" onClick={() => onDiscard(pending.client_id)}>
              Delete
            </button>
          </div>
        )}
      </div>
    </li>
  );
});
