import { useId, useState, type FormEvent } from 'react';
import { isApiError } from '../../../lib/api-client';
import { Avatar } from '../../../lib/ui';
import type { Id, UserSummary } from '../../../types/api';
import { suggestUsers } from '../hooks/directory';

interface Props {
  /** The form's name ("Start a direct message", "Add a member"). */
  title: string;
  inputLabel: string;
  submitLabel: string;
  /** The suggestions' accessible name prefix: "Message" → "Message alice". */
  pickLabel: string;
  users: readonly UserSummary[];
  exclude?: readonly Id[];
  onPick: (username: string) => Promise<unknown>;
  onCancel?: () => void;
  autoFocus?: boolean;
}

/** A username field with suggestions from the people in your rooms (the server has no user directory). */
export function UserPicker({ title, inputLabel, submitLabel, pickLabel, users, exclude, onPick, onCancel, autoFocus }: Props) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const errorId = useId();
  const listId = useId();
  const suggestions = suggestUsers(users, text, { exclude, limit: 6 });

  async function pick(username: string) {
    const name = username.trim().replace(/^@/, '');
    if (busy || name === '') return;
    setBusy(true);
    setError(null);
    try {
      await onPick(name);
      setText('');
    } catch (err) {
      setError(
        isApiError(err) && err.status === 404
          ? `There is no user called “${name}”.`
          : isApiError(err)
            ? err.message
            : 'That did not work. Try again.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="user-picker"
      aria-label={title}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void pick(text);
      }}
    >
      <label htmlFor={inputId} className="visually-hidden">
        {inputLabel}
      </label>
      <input
        id={inputId}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Username"
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={64}
        autoFocus={autoFocus}
        aria-controls={listId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel?.();
        }}
      />
      <ul className="user-suggestions" id={listId} aria-label="Suggestions">
        {suggestions.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              className="user-suggestion"
              aria-label={`${pickLabel} ${u.username}`}
              disabled={busy}
              onClick={() => void pick(u.username)}
            >
              <Avatar name={u.username} size="sm" />
              <span>{u.username}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="create-room-actions">
        {onCancel && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="btn btn-primary btn-sm" disabled={busy || text.trim() === ''}>
          {submitLabel}
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
