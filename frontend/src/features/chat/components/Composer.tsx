import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { scalarLength } from '../../../lib/text';
import { Icon } from '../../../lib/ui';
import { MAX_MESSAGE_CHARS } from '../../../types/api';
import { clearDraft, loadDraft, saveDraft } from '../hooks/drafts';

interface Props {
  roomName: string;
  /** localStorage key of this room's draft: what you type survives a reload. */
  draftKey: string;
  onSend: (content: string) => void;
  onTyping: () => void;
  disabled?: boolean;
}

const plural = (n: number) => `${n} ${n === 1 ? 'character' : 'characters'}`;

/** The counter appears when this close to the limit. */
const COUNTER_FROM = MAX_MESSAGE_CHARS - 500;

export function Composer({ roomName, draftKey, onSend, onTyping, disabled }: Props) {
  const [text, setText] = useState(() => loadDraft(draftKey));
  const area = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const counterId = useId();
  const helpId = useId();

  const trimmed = text.trim();
  const length = scalarLength(trimmed);
  const over = length > MAX_MESSAGE_CHARS;
  const canSend = !disabled && length > 0 && !over;
  const showCounter = scalarLength(text) >= COUNTER_FROM;

  // Grow with the text up to a few lines, then scroll.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [text]);

  function submit() {
    if (!canSend) return;
    onSend(trimmed);
    setText('');
    clearDraft(draftKey);
    area.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor={inputId} className="visually-hidden">
        Message #{roomName}
      </label>
      <div className={`composer-box${over ? ' is-over' : ''}`}>
        <textarea
          id={inputId}
          ref={area}
          rows={1}
          value={text}
          placeholder={`Message #${roomName}`}
          onChange={(e) => {
            setText(e.target.value);
            saveDraft(draftKey, e.target.value);
            if (e.target.value.trim() !== '') onTyping();
          }}
          onKeyDown={onKeyDown}
          aria-describedby={`${helpId}${showCounter ? ` ${counterId}` : ''}`}
          aria-invalid={over ? true : undefined}
          disabled={disabled}
          autoFocus
        />
        {showCounter && (
          <span id={counterId} className={`counter${over ? ' is-over' : ''}`} aria-live="polite">
            {over ? `${plural(length - MAX_MESSAGE_CHARS)} over the limit` : `${plural(MAX_MESSAGE_CHARS - length)} left`}
          </span>
        )}
        <button type="submit" className="send-btn" disabled={!canSend} aria-label="Send message" title="Send (Enter)">
          <Icon name="send" />
        </button>
      </div>
      <p id={helpId} className="composer-help">
        <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
      </p>
    </form>
  );
}
