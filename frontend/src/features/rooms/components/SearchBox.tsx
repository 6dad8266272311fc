import { useEffect, useId, useRef, useState } from 'react';
import { useApp } from '../../../lib/app-context';
import { isApiError } from '../../../lib/api-client';
import { navigate } from '../../../lib/router';
import { relativeTime } from '../../../lib/time';
import { Icon } from '../../../lib/ui';
import type { Id, Message, Room } from '../../../types/api';
import { searchMessages } from '../api/rooms-api';
import { excerpt, groupByRoom, highlightParts } from '../hooks/search';

const DEBOUNCE_MS = 250;

/** The query's words marked in plain text: React text nodes and <mark>, never HTML. */
export function Highlighted({ text, query }: { text: string; query: string }) {
  return (
    <>
      {highlightParts(text, query).map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </>
  );
}

/** Whether a key press anywhere should move focus to the search box: Ctrl/Cmd+K, or "/" outside a text field. */
function isSearchShortcut(e: KeyboardEvent): boolean {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') return true;
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return false;
  const t = e.target;
  if (!(t instanceof HTMLElement)) return true;
  return !(t.isContentEditable || t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement);
}

interface Props {
  rooms: readonly Room[];
}

type Status = { kind: 'idle' } | { kind: 'loading' } | { kind: 'done'; messages: Message[]; hasMore: boolean } | { kind: 'error'; message: string };

/** Message search over your rooms (GET /api/search); a result opens its room at that message. */
export function SearchBox({ rooms }: Props) {
  const { api } = useApp();
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const resultsId = useId();
  const q = query.trim();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isSearchShortcut(e)) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (q === '') {
      setStatus({ kind: 'idle' });
      return;
    }
    const abort = new AbortController();
    setStatus({ kind: 'loading' });
    const timer = window.setTimeout(() => {
      searchMessages(api, q.slice(0, 200), { limit: 20, signal: abort.signal })
        .then((page) => setStatus({ kind: 'done', messages: page.messages, hasMore: page.has_more }))
        .catch((err: unknown) => {
          if (abort.signal.aborted) return;
          setStatus({ kind: 'error', message: isApiError(err) ? err.message : 'Search failed.' });
        });
    }, DEBOUNCE_MS);
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [api, q]);

  const roomName = (id: Id) => {
    const room = rooms.find((r) => r.id === id);
    if (!room) return `room ${id}`;
    return room.kind === 'direct' ? `@${room.name}` : `#${room.name}`;
  };

  const open = (m: Message) => {
    setQuery('');
    navigate(`/rooms/${m.room_id}?message=${m.id}`);
  };

  return (
    <div className="search" role="search">
      <label htmlFor={inputId} className="visually-hidden">
        Search messages
      </label>
      <span className="search-icon" aria-hidden="true">
        <Icon name="search" width={16} height={16} />
      </span>
      <input
        ref={input}
        id={inputId}
        type="search"
        className="search-input"
        placeholder="Search messages"
        value={query}
        maxLength={200}
        autoComplete="off"
        aria-controls={q ? resultsId : undefined}
        aria-keyshortcuts="Control+K Meta+K /"
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setQuery('');
            input.current?.blur();
          }
        }}
      />
      {query === '' && (
        <kbd className="search-kbd" aria-hidden="true">
          /
        </kbd>
      )}
      {q !== '' && (
        <div className="search-results" id={resultsId} role="region" aria-label="Search results" aria-busy={status.kind === 'loading'}>
          {status.kind === 'loading' && <p className="empty-hint">Searching…</p>}
          {status.kind === 'error' && (
            <p className="form-error" role="alert">
              {status.message}
            </p>
          )}
          {status.kind === 'done' && status.messages.length === 0 && <p className="empty-hint">No messages match “{q}”.</p>}
          {status.kind === 'done' &&
            groupByRoom(status.messages).map((group) => (
              <section key={group.roomId} className="search-group" aria-label={`Results in ${roomName(group.roomId)}`}>
                <h3 className="section-label">{roomName(group.roomId)}</h3>
                <ul className="search-list">
                  {group.messages.map((m) => (
                    <li key={m.id}>
                      <button
                        type="button"
                        className="search-hit"
                        aria-label={`${m.sender.username} in ${roomName(m.room_id)}: ${excerpt(m.content, q, 120)}`}
                        onClick={() => open(m)}
                      >
                        <span className="search-hit-meta">
                          <strong>{m.sender.username}</strong> · {relativeTime(m.created_at)}
                        </span>
                        <span className="search-hit-text">
                          <Highlighted text={excerpt(m.content, q)} query={q} />
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          {status.kind === 'done' && status.hasMore && <p className="empty-hint">Showing the newest 20. Add words to narrow it down.</p>}
        </div>
      )}
    </div>
  );
}
