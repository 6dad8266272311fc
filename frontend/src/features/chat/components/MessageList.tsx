import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Icon } from '../../../lib/ui';
import type { Id } from '../../../types/api';
import type { ChatState } from '../hooks/chat-state';
import { newestMessage, visibleMessages } from '../hooks/chat-state';
import type { PendingMessage } from '../hooks/outbox';
import { buildTimeline } from '../hooks/timeline';
import { MessageActionsContext, type MessageActions } from './message-context';
import { MessageItem } from './MessageItem';

/** The room's part of every row's context; the list adds which row is open, focused, highlighted. */
export type RowActions = Omit<
  MessageActions,
  'activeId' | 'setActiveId' | 'pickerId' | 'setPickerId' | 'focusId' | 'setFocusId' | 'highlightId'
>;

interface Props {
  roomName: string;
  /** `#general`, or `@bob` for a direct room. */
  roomLabel: string;
  state: ChatState;
  pending: readonly PendingMessage[];
  loadingOlder: boolean;
  onLoadOlder: () => Promise<void>;
  actions: RowActions;
  /** Scroll to this message, focus and highlight it (a new nonce each time). */
  reveal?: { id: Id; nonce: number } | null;
  /** Called with the newest message's id while it is on screen, null when it is not. */
  onNewestOnScreen?: (messageId: Id | null) => void;
}

const HIGHLIGHT_MS = 2200;

const NEAR_BOTTOM_PX = 120;
const LOAD_OLDER_PX = 300;

export function MessageList({ roomName, roomLabel, state, pending, loadingOlder, onLoadOlder, actions, reveal, onNewestOnScreen }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => buildTimeline(visibleMessages(state, pending), state.selfId), [state, pending]);
  const [unseen, setUnseen] = useState(0);
  const newestId = newestMessage(state)?.id ?? null;
  const reported = useRef<Id | null | undefined>(undefined);

  // Whether the newest confirmed message is (at least partly) inside the scroller's view.
  const reportNewest = useCallback(() => {
    const el = scroller.current;
    if (!el || !onNewestOnScreen) return;
    let visible: Id | null = null;
    if (newestId !== null) {
      const node = el.querySelector(`[data-message-id="${newestId}"]`);
      if (node) {
        const box = el.getBoundingClientRect();
        const r = node.getBoundingClientRect();
        if (r.top < box.bottom && r.bottom > box.top && box.height > 0) visible = newestId;
      }
    }
    if (visible !== reported.current) {
      reported.current = visible;
      onNewestOnScreen(visible);
    }
  }, [newestId, onNewestOnScreen]);

  // What the DOM looked like after the previous commit, for keeping the view
  // still when older messages are prepended, and for following new ones.
  const snapshot = useRef({ firstKey: '', lastKey: '', scrollHeight: 0, scrollTop: 0, atBottom: true, count: 0 });

  const messageRows = rows.filter((r) => r.kind === 'message');
  const firstKey = messageRows[0]?.key ?? '';
  const lastRow = messageRows[messageRows.length - 1];
  const lastKey = lastRow?.key ?? '';

  const scrollToBottom = useCallback((smooth = false) => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTo({ top: el.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    setUnseen(0);
  }, []);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const prev = snapshot.current;
    if (prev.count === 0 && messageRows.length > 0) {
      el.scrollTop = el.scrollHeight; // first render of the room: start at the bottom
    } else if (firstKey !== prev.firstKey && lastKey === prev.lastKey) {
      el.scrollTop = prev.scrollTop + (el.scrollHeight - prev.scrollHeight); // older prepended
    } else if (lastKey !== prev.lastKey) {
      if (prev.atBottom || (lastRow?.kind === 'message' && lastRow.own)) el.scrollTop = el.scrollHeight;
      else setUnseen((n) => n + Math.max(1, messageRows.length - prev.count));
    } else if (prev.atBottom && el.scrollHeight !== prev.scrollHeight) {
      el.scrollTop = el.scrollHeight; // a row grew (e.g. "Not sent" + Retry): stay at the bottom
    }
    snapshot.current = {
      firstKey,
      lastKey,
      scrollHeight: el.scrollHeight,
      scrollTop: el.scrollTop,
      atBottom: el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX,
      count: messageRows.length,
    };
    reportNewest();
  });

  // ---- the rows' menus, focus and highlight ------------------------------------------
  const [activeId, setActiveId] = useState<Id | null>(null);
  const [pickerId, setPickerId] = useState<Id | null>(null);
  const [focusId, setFocusId] = useState<Id | null>(null);
  const [highlightId, setHighlightId] = useState<Id | null>(null);
  const ids = state.messages;
  // The roving tab stop: the row last focused, else the newest message.
  const tabStop = focusId !== null && ids.some((m) => m.id === focusId) ? focusId : (ids[ids.length - 1]?.id ?? null);
  const context = useMemo<MessageActions>(
    () => ({ ...actions, activeId, setActiveId, pickerId, setPickerId, focusId: tabStop, setFocusId, highlightId }),
    [actions, activeId, pickerId, tabStop, highlightId],
  );

  // A long-pressed row's menu closes on a touch elsewhere.
  useEffect(() => {
    if (activeId === null) return;
    const onDown = (e: PointerEvent) => {
      const row = scroller.current?.querySelector(`[data-message-id="${activeId}"]`);
      if (!row || !row.contains(e.target as Node)) setActiveId(null);
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [activeId]);

  useEffect(() => {
    if (!reveal) return;
    const node = scroller.current?.querySelector<HTMLElement>(`[data-message-id="${reveal.id}"]`);
    if (!node) return;
    node.scrollIntoView({ block: 'center' });
    setFocusId(reveal.id);
    node.focus({ preventScroll: true });
    setHighlightId(reveal.id);
    const t = window.setTimeout(() => setHighlightId((h) => (h === reveal.id ? null : h)), HIGHLIGHT_MS);
    return () => window.clearTimeout(t);
  }, [reveal]);

  const maybeLoadOlder = useCallback(() => {
    const el = scroller.current;
    if (!el || loadingOlder || !state.hasMoreOlder) return;
    if (el.scrollTop < LOAD_OLDER_PX) void onLoadOlder();
  }, [loadingOlder, state.hasMoreOlder, onLoadOlder]);

  // A short first page may not fill the view: keep loading until it scrolls.
  useEffect(() => {
    if (state.loaded) maybeLoadOlder();
  }, [state.loaded, state.messages.length, maybeLoadOlder]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    snapshot.current = { ...snapshot.current, scrollTop: el.scrollTop, scrollHeight: el.scrollHeight, atBottom };
    if (atBottom && unseen) setUnseen(0);
    maybeLoadOlder();
    reportNewest();
  };

  return (
    <div className="messages-wrap">
      <div className="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={`Messages in ${roomName}`} role="region">
        <div className="history-top">
          {state.hasMoreOlder ? (
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => void onLoadOlder()} disabled={loadingOlder}>
              {loadingOlder ? 'Loading older messages…' : 'Load older messages'}
            </button>
          ) : state.loaded ? (
            <div className="room-start">
              <div className="room-start-icon" aria-hidden="true">
                <Icon name="hash" width={28} height={28} />
              </div>
              <p className="room-start-title">This is the start of {roomLabel}</p>
              <p className="room-start-sub">
                {messageRows.length === 0 ? 'No messages yet. Say hello!' : 'Every message in this room is below.'}
              </p>
            </div>
          ) : null}
        </div>
        {!state.loaded && messageRows.length === 0 ? (
          <div className="messages-loading" aria-busy="true">
            Loading messages…
          </div>
        ) : (
          <MessageActionsContext.Provider value={context}>
            <ol className="message-list" role="log" aria-live="polite" aria-relevant="additions" aria-label="Message history">
              {rows.map((row) =>
                row.kind === 'day' ? (
                  <li key={row.key} className="day-sep" role="separator" aria-label={row.label}>
                    <span>{row.label}</span>
                  </li>
                ) : (
                  <MessageItem key={row.key} row={row} />
                ),
              )}
            </ol>
          </MessageActionsContext.Provider>
        )}
      </div>
      {unseen > 0 && (
        <button type="button" className="jump-btn" onClick={() => scrollToBottom(true)}>
          <Icon name="down" width={16} height={16} /> {unseen} new {unseen === 1 ? 'message' : 'messages'}
        </button>
      )}
    </div>
  );
}
