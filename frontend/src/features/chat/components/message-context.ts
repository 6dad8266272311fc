// What every message row needs from the room view besides its own data: who is
// looking, the room's owner and members, the actions of the menu, and which row
// has its menu or picker open (one at a time).
import { createContext, useContext } from 'react';
import type { Id, Message, UserSummary } from '../../../types/api';

export interface MessageActions {
  selfId: Id;
  ownerId: Id | null;
  members: readonly UserSummary[];
  onReply: (message: Message) => void;
  onEdit: (message: Message) => void;
  onDelete: (message: Message) => void;
  onToggleReaction: (message: Message, emoji: string) => void;
  /** Show a message (loading it when it is not on screen), e.g. a reply's parent. */
  onJump: (messageId: Id) => void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  /** The row whose menu stays open (long press, open picker), or null. */
  activeId: Id | null;
  setActiveId: (id: Id | null) => void;
  /** The row whose emoji picker is open, or null. */
  pickerId: Id | null;
  setPickerId: (id: Id | null) => void;
  /** The row that takes Tab focus in the list (roving tabindex). */
  focusId: Id | null;
  setFocusId: (id: Id) => void;
  /** The row highlighted after a jump. */
  highlightId: Id | null;
}

export const MessageActionsContext = createContext<MessageActions | null>(null);

export function useMessageActions(): MessageActions {
  const value = useContext(MessageActionsContext);
  if (!value) throw new Error('useMessageActions() outside <MessageActionsContext>');
  return value;
}
