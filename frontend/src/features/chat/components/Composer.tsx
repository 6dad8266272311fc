import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { scalarLength } from '../../../lib/text';
import { Icon } from '../../../lib/ui';
import type { Message, UserSummary } from '../../../types/api';
import { MAX_MESSAGE_CHARS } from '../../../types/api';
import { clearDraft, loadDraft, saveDraft } from '../hooks/drafts';
import { applyMention, mentionCandidates, mentionQueryAt, moveSelection, type MentionQuery } from '../hooks/mentions';

/** What the composer is doing besides writing a new message. */
export type ComposeMode = { kind: 'reply'; message: Message } | { kind: 'edit'; message: Message } | null;

interface Props {
  /** `#general`, or `@bob` for a direct room. */
  roomLabel: string;
  /** localStorage key of this room's draft: what you type survives a reload. */
  draftKey: string;
  onSend: (content: string) => void;
  onTyping: () => void;
  /** Room members, for @mention autocomplete. */
  members: readonly UserSummary[];
  selfId: number;
  mode: ComposeMode;
  onCancelMode: () => void;
  /** Save an edit; resolves false when it was refused (the composer stays in edit mode). */
  onSaveEdit: (message: Message, content: string) => Promise<boolean>;
  /** Up in an empty composer: edit your last message. */
  onEditLast: () => void;
  disabled?: boolean;
}

const plural = (n: number) => `${n} ${n === 1 ? 'character' : 'characters'}`;

/** The counter appears when this close to the limit. */
const COUNTER_FROM = MAX_MESSAGE_CHARS - 500;

const excerpt = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

export function Composer({
  roomLabel,
  draftKey,
  onSend,
  onTyping,
  members,
  selfId,
  mode,
  onCancelMode,
  onSaveEdit,
  onEditLast,
  disabled,
}: Props) {
  const [text, setText] = useState(() => loadDraft(draftKey));
  const [caret, setCaret] = useState(0);
  const [pick, setPick] = useState(0);
  /** The `@` whose suggestions were closed with Escape (they stay closed for it). */
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [saving, setSaving] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  /** What was being written before an edit began; it comes back after. */
  const stash = useRef<string | null>(null);
  const inputId = useId();
  const counterId = useId();
  const helpId = useId();
  const listId = useId();

  const editing = mode?.kind === 'edit' ? mode.message : null;
  const trimmed = text.trim();
  const length = scalarLength(trimmed);
  const over = length > MAX_MESSAGE_CHARS;
  const canSend = !disabled && !saving && length > 0 && !over;
  const showCounter = scalarLength(text) >= COUNTER_FROM;

  // ---- mention autocomplete ---------------------------------------------------------
  const query: MentionQuery | null = mentionQueryAt(text, caret);
  const candidates = query && query.start !== dismissedAt ? mentionCandidates(query.query, members, selfId) : [];
  const suggesting = query !== null && candidates.length > 0;
  const picked = suggesting ? Math.min(pick, candidates.length - 1) : 0;

  // Grow with the text up to a few lines, then scroll.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [text]);

  // Entering and leaving a mode.
  const modeKey = mode ? `${mode.kind}-${mode.message.id}` : '';
  useLayoutEffect(() => {
    const el = area.current;
    if (mode?.kind === 'edit') {
      if (stash.current === null) stash.current = area.current?.value ?? '';
      setText(mode.message.content);
      setCaret(mode.message.content.length);
      requestAnimationFrame(() => {
        el?.focus();
        el?.setSelectionRange(el.value.length, el.value.length);
      });
    } else {
      if (stash.current !== null) {
        setText(stash.current);
        stash.current = null;
      }
      if (mode?.kind === 'reply') el?.focus();
    }
    // Only a new mode (kind or message) matters, not a fresher copy of the same message.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modeKey]);

  function updateText(value: string, at: number) {
    setText(value);
    setCaret(at);
    // Suggestions closed with Escape come back for a new `@`.
    const q = mentionQueryAt(value, at);
    if (dismissedAt !== null && (!q || q.start !== dismissedAt)) setDismissedAt(null);
    if (!editing) saveDraft(draftKey, value);
    if (!editing && value.trim() !== '') onTyping();
  }

  function choose(user: UserSummary) {
    if (!query) return;
    const next = applyMention(text, query, user);
    updateText(next.text, next.caret);
    setPick(0);
    requestAnimationFrame(() => area.current?.setSelectionRange(next.caret, next.caret));
  }

  async function submit() {
    if (!canSend) return;
    if (editing) {
      if (trimmed === editing.content) {
        onCancelMode();
        return;
      }
      setSaving(true);
      const ok = await onSaveEdit(editing, trimmed);
      setSaving(false);
      if (ok) onCancelMode();
      area.current?.focus();
      return;
    }
    onSend(trimmed);
    setText('');
    setCaret(0);
    clearDraft(draftKey);
    area.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.nativeEvent.isComposing) return;
    if (suggesting) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setPick(moveSelection(picked, candidates.length, e.key === 'ArrowDown' ? 1 : -1));
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        choose(candidates[picked]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setDismissedAt(query.start);
        return;
      }
    }
    if (e.key === 'Escape' && mode) {
      e.preventDefault();
      onCancelMode();
      return;
    }
    if (e.key === 'ArrowUp' && text === '' && !mode) {
      e.preventDefault();
      onEditLast();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void submit();
    }
  }

  const optionId = (i: number) => `${listId}-opt-${i}`;

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label htmlFor={inputId} className="visually-hidden">
        Message {roomLabel}
      </label>
      {mode && (
        <div className={`composer-mode composer-mode--${mode.kind}`}>
          <Icon name={mode.kind === 'edit' ? 'edit' : 'reply'} width={16} height={16} />
          <span className="composer-mode-text" role="status">
            {mode.kind === 'edit' ? (
              <strong>Editing your message</strong>
            ) : (
              <>
                Replying to <strong>{mode.message.sender.id === selfId ? 'yourself' : mode.message.sender.username}</strong>
                <span className="composer-mode-excerpt">{excerpt(mode.message.content)}</span>
              </>
            )}
          </span>
          <button
            type="button"
            className="icon-btn icon-btn--sm"
            aria-label={mode.kind === 'edit' ? 'Cancel editing' : 'Cancel reply'}
            title="Cancel (Esc)"
            onClick={() => {
              onCancelMode();
              area.current?.focus();
            }}
          >
            <Icon name="close" width={16} height={16} />
          </button>
        </div>
      )}
      {suggesting && (
        <ul className="mention-list" id={listId} role="listbox" aria-label="Mention someone">
          {candidates.map((u, i) => (
            <li
              key={u.id}
              id={optionId(i)}
              role="option"
              aria-selected={i === picked}
              className={`mention-option${i === picked ? ' is-picked' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(u)}
            >
              @{u.username}
            </li>
          ))}
        </ul>
      )}
      <div className={`composer-box${over ? ' is-over' : ''}${editing ? ' is-editing' : ''}`}>
        <textarea
          id={inputId}
          ref={area}
          rows={1}
          value={text}
          placeholder={editing ? 'Edit your message' : `Message ${roomLabel}`}
          onChange={(e) => updateText(e.target.value, e.target.selectionStart)}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onBlur={() => setDismissedAt(query?.start ?? null)}
          onFocus={() => setDismissedAt(null)}
          aria-describedby={`${helpId}${showCounter ? ` ${counterId}` : ''}`}
          aria-invalid={over ? true : undefined}
          aria-autocomplete="list"
          aria-controls={suggesting ? listId : undefined}
          aria-activedescendant={suggesting ? optionId(picked) : undefined}
          disabled={disabled}
          autoFocus
        />
        {showCounter && (
          <span id={counterId} className={`counter${over ? ' is-over' : ''}`} aria-live="polite">
            {over ? `${plural(length - MAX_MESSAGE_CHARS)} over the limit` : `${plural(MAX_MESSAGE_CHARS - length)} left`}
          </span>
        )}
        <button
          type="submit"
          className="send-btn"
          disabled={!canSend}
          aria-label={editing ? 'Save edit' : 'Send message'}
          title={editing ? 'Save (Enter)' : 'Send (Enter)'}
        >
          <Icon name={editing ? 'edit' : 'send'} />
        </button>
      </div>
      <p id={helpId} className="composer-help">
        {editing ? (
          <>
            <kbd>Enter</kbd> to save · <kbd>Esc</kbd> to cancel
          </>
        ) : (
          <>
            <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line · <kbd>↑</kbd> edits your last
            message · <kbd>@</kbd> mentions
          </>
        )}
      </p>
    </form>
  );
}
