import { memo, useCallback, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { fullTimestamp, timeLabel } from '../../../lib/time';
import { Avatar, Icon } from '../../../lib/ui';
import type { Message, ReplyRef } from '../../../types/api';
import { hasReacted, reactionLabel, reactorNames } from '../hooks/reactions';
import type { TimelineRow } from '../hooks/timeline';
import { EmojiPicker } from './EmojiPicker';
import { useMessageActions } from './message-context';
import { RichText } from './RichText';

type Row = Extract<TimelineRow, { kind: 'message' }>;

const LONG_PRESS_MS = 450;

/** Focus the next / previous message row of the list (the roving tab stop moves with it). */
function focusSibling(from: HTMLElement, step: 1 | -1 | 'first' | 'last') {
  const rows = [...(from.closest('ol')?.querySelectorAll<HTMLElement>('li.msg[data-message-id]') ?? [])];
  const i = rows.indexOf(from);
  const target =
    step === 'first' ? rows[0] : step === 'last' ? rows[rows.length - 1] : rows[Math.min(rows.length - 1, Math.max(0, i + step))];
  target?.focus();
  target?.scrollIntoView({ block: 'nearest' });
}

function ReplyPreview({ reply, onJump, tabbable }: { reply: ReplyRef; onJump?: (id: number) => void; tabbable: boolean }) {
  const excerpt = reply.excerpt || 'Original message was deleted';
  const content = (
    <>
      <Icon name="reply" width={14} height={14} />
      <span className="msg-reply-name">{reply.sender.username}</span>
      <span className={`msg-reply-text${reply.excerpt ? '' : ' is-deleted'}`}>{excerpt}</span>
    </>
  );
  if (!onJump) return <div className="msg-reply">{content}</div>;
  return (
    <button
      type="button"
      className="msg-reply"
      onClick={() => onJump(reply.id)}
      tabIndex={tabbable ? undefined : -1}
      aria-label={`In reply to ${reply.sender.username}: ${excerpt}. Show that message`}
      title="Show the original message"
    >
      {content}
    </button>
  );
}

export const MessageItem = memo(function MessageItem({ row }: { row: Row }) {
  const actions = useMessageActions();
  const { item, own, continuation } = row;
  const m = item.message;
  const pending = item.kind === 'pending' ? item.message : null;
  const confirmed: Message | null = item.kind === 'confirmed' ? item.message : null;
  const sender = own ? 'You' : m.sender.username;
  const deleted = confirmed?.deleted === true;
  const mentionsMe = confirmed?.mentions.some((u) => u.id === actions.selfId) === true;
  const canAct = confirmed !== null && !deleted;
  const canEdit = canAct && own;
  const canDelete = canAct && (own || actions.ownerId === actions.selfId);
  const id = confirmed?.id ?? null;
  const active = id !== null && (actions.activeId === id || actions.pickerId === id);
  const pickerOpen = id !== null && actions.pickerId === id;
  const replyTo = confirmed ? confirmed.reply_to : (pending?.reply_to ?? null);
  // Only the list's current row puts its controls in the Tab order (the others: arrows, then Tab).
  const isTabStop = id !== null && actions.focusId === id;
  const li = useRef<HTMLLIElement>(null);
  const press = useRef<{ timer: number; x: number; y: number } | null>(null);

  const classes = [
    'msg',
    own ? 'msg--own' : 'msg--other',
    continuation && !replyTo ? 'msg--cont' : '',
    pending ? `msg--${pending.status}` : '',
    deleted ? 'msg--deleted' : '',
    mentionsMe ? 'msg--mentions-me' : '',
    active ? 'is-active' : '',
    id !== null && actions.highlightId === id ? 'is-highlighted' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const showHead = !continuation || replyTo !== null;

  const closePicker = useCallback(() => {
    actions.setPickerId(null);
    actions.setActiveId(null);
    li.current?.querySelector<HTMLButtonElement>('.msg-actions [data-action="react"]')?.focus();
  }, [actions]);

  // ---- long press (touch): the menu stays open ---------------------------------
  const cancelPress = () => {
    if (press.current) window.clearTimeout(press.current.timer);
    press.current = null;
  };
  const onPointerDown = (e: PointerEvent<HTMLLIElement>) => {
    if (!canAct || e.pointerType !== 'touch') return;
    cancelPress();
    const timer = window.setTimeout(() => {
      press.current = null;
      actions.setActiveId(id);
    }, LONG_PRESS_MS);
    press.current = { timer, x: e.clientX, y: e.clientY };
  };
  const onPointerMove = (e: PointerEvent<HTMLLIElement>) => {
    const p = press.current;
    if (p && Math.hypot(e.clientX - p.x, e.clientY - p.y) > 10) cancelPress(); // scrolling, not pressing
  };

  // ---- keyboard -------------------------------------------------------------------
  function onRowKeyDown(e: KeyboardEvent<HTMLLIElement>) {
    if (e.target !== e.currentTarget) return;
    const el = e.currentTarget;
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      focusSibling(el, e.key === 'ArrowUp' ? -1 : 1);
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      focusSibling(el, e.key === 'Home' ? 'first' : 'last');
    } else if ((e.key === 'Enter' || e.key === ' ') && canAct) {
      // Open the menu: focus its first action.
      e.preventDefault();
      el.querySelector<HTMLButtonElement>('.msg-actions button')?.focus();
    }
  }

  function onToolbarKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>(':scope > button')];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const step = e.key === 'ArrowRight' ? 1 : -1;
      buttons[(i + step + buttons.length) % buttons.length]?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      actions.setActiveId(null);
      li.current?.focus();
    }
  }

  return (
    <li
      ref={li}
      className={classes}
      data-own={own ? 'true' : 'false'}
      data-status={pending ? pending.status : 'sent'}
      data-message-id={id ?? undefined}
      tabIndex={id !== null ? (isTabStop ? 0 : -1) : undefined}
      onFocus={id !== null ? (e) => e.target === e.currentTarget && actions.setFocusId(id) : undefined}
      onKeyDown={id !== null ? onRowKeyDown : undefined}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={cancelPress}
      onPointerCancel={cancelPress}
      onContextMenu={(e) => {
        // A long press on a phone: our menu instead of the browser's.
        if (canAct && (e.nativeEvent as { pointerType?: string }).pointerType === 'touch') {
          e.preventDefault();
          actions.setActiveId(id);
        }
      }}
    >
      {!own && <div className="msg-gutter">{showHead && <Avatar name={m.sender.username} />}</div>}
      <div className="msg-body">
        {showHead && (
          <div className="msg-head">
            <span className="msg-sender">{sender}</span>
            <time className="msg-time" dateTime={m.created_at} title={fullTimestamp(m.created_at)}>
              {timeLabel(m.created_at)}
            </time>
          </div>
        )}
        {!showHead && (
          <span className="visually-hidden">
            {sender}, {timeLabel(m.created_at)}:{' '}
          </span>
        )}
        {replyTo && !deleted && <ReplyPreview reply={replyTo} onJump={confirmed ? actions.onJump : undefined} tabbable={isTabStop} />}
        <div className="msg-row">
          <div className="msg-bubble" title={!showHead ? fullTimestamp(m.created_at) : undefined}>
            {deleted ? (
              <p className="msg-text msg-tombstone">This message was deleted</p>
            ) : (
              <div className="msg-text">
                <RichText content={m.content} mentions={confirmed?.mentions ?? []} selfId={actions.selfId} />
              </div>
            )}
          </div>
          {confirmed && !deleted && confirmed.edited_at && (
            <span className="msg-edited" title={`Edited ${fullTimestamp(confirmed.edited_at)}`}>
              (edited)
            </span>
          )}
          {canAct && confirmed && (
            <div
              className="msg-actions"
              role="toolbar"
              aria-label={`Actions for ${sender === 'You' ? 'your' : `${sender}'s`} message`}
              onKeyDown={onToolbarKeyDown}
            >
              <button
                type="button"
                className="msg-action"
                data-action="react"
                aria-label="Add a reaction"
                title="React"
                aria-haspopup="dialog"
                aria-expanded={pickerOpen}
                onClick={() => {
                  actions.setPickerId(pickerOpen ? null : confirmed.id);
                }}
              >
                <Icon name="smile" width={16} height={16} />
              </button>
              <button
                type="button"
                className="msg-action"
                data-action="reply"
                aria-label="Reply"
                title="Reply"
                onClick={() => {
                  actions.setActiveId(null);
                  actions.setPickerId(null);
                  actions.onReply(confirmed);
                }}
              >
                <Icon name="reply" width={16} height={16} />
              </button>
              {canEdit && (
                <button
                  type="button"
                  className="msg-action"
                  data-action="edit"
                  aria-label="Edit message"
                  title="Edit"
                  onClick={() => {
                    actions.setActiveId(null);
                    actions.setPickerId(null);
                    actions.onEdit(confirmed);
                  }}
                >
                  <Icon name="edit" width={16} height={16} />
                </button>
              )}
              {canDelete && (
                <button
                  type="button"
                  className="msg-action msg-action--danger"
                  data-action="delete"
                  aria-label={own ? 'Delete message' : `Delete ${m.sender.username}'s message`}
                  title="Delete"
                  onClick={() => {
                    actions.setActiveId(null);
                    actions.setPickerId(null);
                    actions.onDelete(confirmed);
                  }}
                >
                  <Icon name="trash" width={16} height={16} />
                </button>
              )}
              {pickerOpen && (
                <EmojiPicker
                  label={own ? 'your message' : `${m.sender.username}'s message`}
                  below={(li.current?.getBoundingClientRect().top ?? 999) < 300}
                  onClose={closePicker}
                  onPick={(emoji) => {
                    actions.onToggleReaction(confirmed, emoji);
                    closePicker();
                  }}
                />
              )}
            </div>
          )}
        </div>
        {confirmed && !deleted && confirmed.reactions.length > 0 && (
          <div className="msg-foot">
            {confirmed.reactions.length > 0 && (
              <div className="reactions" role="group" aria-label="Reactions">
                {confirmed.reactions.map((r) => {
                  const mine = hasReacted(r, actions.selfId);
                  return (
                    <button
                      key={r.emoji}
                      type="button"
                      className={`reaction${mine ? ' is-mine' : ''}`}
                      aria-pressed={mine}
                      tabIndex={isTabStop ? undefined : -1}
                      aria-label={reactionLabel(r, actions.members, actions.selfId)}
                      title={`${reactorNames(r, actions.members, actions.selfId)} reacted with ${r.emoji}`}
                      onClick={() => actions.onToggleReaction(confirmed, r.emoji)}
                    >
                      <span className="reaction-emoji" aria-hidden="true">
                        {r.emoji}
                      </span>
                      <span className="reaction-count" aria-hidden="true">
                        {r.count}
                      </span>
                    </button>
                  );
                })}
              </div>
            )}
          </div>
        )}
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
            <button type="button" className="link-btn" onClick={() => actions.onRetry(pending.client_id)}>
              <Icon name="retry" width={14} height={14} /> Retry
            </button>
            <button type="button" className="link-btn link-btn--muted" onClick={() => actions.onDiscard(pending.client_id)}>
              Delete
            </button>
          </div>
        )}
      </div>
    </li>
  );
});
