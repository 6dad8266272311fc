// When to show a desktop notification and what it says, plus the stored
// preferences. Pure: the hook feeds it the browser's state.
import type { Id, Message } from '../../../types/api';

export interface NotifyPrefs {
  /** Desktop notifications, opted into from the sidebar (never asked on load). */
  enabled: boolean;
  /** A short chime with each notification. */
  sound: boolean;
}

export type NotifyPermission = NotificationPermission | 'unsupported';

export const PREFS_KEY = 'chat.notifications';
export const DEFAULT_PREFS: NotifyPrefs = { enabled: false, sound: true };

export function loadPrefs(storage: Pick<Storage, 'getItem'> | null): NotifyPrefs {
  try {
    const raw = storage?.getItem(PREFS_KEY);
    if (!raw) return DEFAULT_PREFS;
    const value = JSON.parse(raw) as Partial<NotifyPrefs>;
    return {
      enabled: typeof value.enabled === 'boolean' ? value.enabled : DEFAULT_PREFS.enabled,
      sound: typeof value.sound === 'boolean' ? value.sound : DEFAULT_PREFS.sound,
    };
  } catch {
    return DEFAULT_PREFS;
  }
}

export function savePrefs(prefs: NotifyPrefs, storage: Pick<Storage, 'setItem'> | null): void {
  try {
    storage?.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // blocked storage: the choice lasts for this page only
  }
}

export interface NotifyContext {
  prefs: NotifyPrefs;
  permission: NotifyPermission;
  selfId: Id;
  /** The room on screen, if any. */
  viewedRoomId: Id | null;
  /** document.visibilityState === 'visible' */
  visible: boolean;
}

/**
 * A message by someone else, in a room you are not looking at (or while the tab
 * is hidden), with notifications on and allowed by the browser.
 */
export function shouldNotify(message: Message, ctx: NotifyContext): boolean {
  if (!ctx.prefs.enabled || ctx.permission !== 'granted') return false;
  if (message.sender.id === ctx.selfId) return false;
  return message.room_id !== ctx.viewedRoomId || !ctx.visible;
}

const BODY_MAX = 160;

export function notificationFor(message: Message, roomName: string | null): { title: string; body: string; tag: string } {
  const text = message.content.replace(/\s+/g, ' ').trim();
  const body = [...text].length > BODY_MAX ? `${[...text].slice(0, BODY_MAX - 1).join('')}…` : text;
  return {
    title: `${message.sender.username} in #${roomName ?? `room ${message.room_id}`}`,
    body,
    // One per message: two tabs of the same user show it once (the OS replaces same-tag ones).
    tag: `chat-message-${message.id}`,
  };
}
