// Desktop notifications for messages by others in rooms you are not looking
// at (or while the tab is hidden), opted into from a visible control: the
// permission is only ever requested from that click. Clicking a notification
// focuses the window and opens its room. Preferences live in localStorage.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useRealtime } from '../../../lib/realtime-context';
import { navigate } from '../../../lib/router';
import type { Id } from '../../../types/api';
import { playChime, unlockChime } from './chime';
import {
  loadPrefs,
  notificationFor,
  PREFS_KEY,
  savePrefs,
  shouldNotify,
  type NotifyPermission,
  type NotifyPrefs,
} from './notification-logic';

export interface NotificationsState {
  permission: NotifyPermission;
  prefs: NotifyPrefs;
  /** On, allowed and supported: notifications will show. */
  active: boolean;
  /** Why turning on did not work (blocked in the browser, unsupported). */
  hint: string | null;
  dismissHint: () => void;
  /** Turn notifications on (asks the browser the first time) or off. */
  toggle: () => Promise<void>;
  setSound: (on: boolean) => void;
}

function storage(): Storage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

function currentPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

const BLOCKED = 'Notifications are blocked for this site. Allow them in your browser’s site settings, then try again.';
const UNSUPPORTED = 'This browser cannot show desktop notifications.';
const NOT_ALLOWED = 'Notifications were not allowed. Click the bell again to be asked once more.';

export function useNotifications({
  selfId,
  viewedRoomId,
  roomName,
}: {
  selfId: Id;
  viewedRoomId: Id | null;
  roomName: (roomId: Id) => string | null;
}): NotificationsState {
  const hub = useRealtime();
  const [prefs, setPrefs] = useState<NotifyPrefs>(() => loadPrefs(storage()));
  const [permission, setPermission] = useState<NotifyPermission>(currentPermission);
  const [hint, setHint] = useState<string | null>(null);
  const live = useRef({ prefs, permission, viewedRoomId, roomName });
  live.current = { prefs, permission, viewedRoomId, roomName };

  const updatePrefs = useCallback((change: Partial<NotifyPrefs>) => {
    setPrefs((p) => {
      const next = { ...p, ...change };
      savePrefs(next, storage());
      return next;
    });
  }, []);

  // The permission can change in the browser's settings; other tabs can change the preferences.
  useEffect(() => {
    const recheck = () => setPermission(currentPermission());
    const onStorage = (e: StorageEvent) => {
      if (e.key === PREFS_KEY) setPrefs(loadPrefs(storage()));
    };
    window.addEventListener('focus', recheck);
    window.addEventListener('storage', onStorage);
    return () => {
      window.removeEventListener('focus', recheck);
      window.removeEventListener('storage', onStorage);
    };
  }, []);

  useEffect(() => {
    const shown = new Set<Id>();
    return hub.onFrame((frame) => {
      if (frame.type !== 'message') return;
      const message = frame.message;
      const { prefs: p, viewedRoomId: viewed, roomName: nameOf } = live.current;
      const ctx = {
        prefs: p,
        permission: currentPermission(),
        selfId,
        viewedRoomId: viewed,
        visible: document.visibilityState === 'visible',
      };
      if (shown.has(message.id) || !shouldNotify(message, ctx)) return;
      shown.add(message.id);
      if (shown.size > 500) shown.delete(shown.values().next().value as Id);
      const { title, body, tag } = notificationFor(message, nameOf(message.room_id));
      try {
        const n = new Notification(title, { body, tag });
        n.addEventListener('click', () => {
          window.focus();
          navigate(`/rooms/${message.room_id}`);
          n.close();
        });
      } catch {
        // Some platforms only notify from a service worker: nothing to show then.
      }
      if (p.sound) playChime();
    });
  }, [hub, selfId]);

  const toggle = useCallback(async () => {
    setHint(null);
    if (live.current.prefs.enabled) {
      updatePrefs({ enabled: false });
      return;
    }
    unlockChime(); // this click is the gesture that lets the chime play later
    let now = currentPermission();
    if (now === 'unsupported') {
      setPermission(now);
      setHint(UNSUPPORTED);
      return;
    }
    if (now === 'default') {
      try {
        now = await Notification.requestPermission();
      } catch {
        now = currentPermission();
      }
    }
    setPermission(now);
    if (now === 'granted') updatePrefs({ enabled: true });
    else setHint(now === 'denied' ? BLOCKED : NOT_ALLOWED);
  }, [updatePrefs]);

  const setSound = useCallback(
    (on: boolean) => {
      if (on) unlockChime();
      updatePrefs({ sound: on });
    },
    [updatePrefs],
  );

  const dismissHint = useCallback(() => setHint(null), []);

  return {
    permission,
    prefs,
    active: prefs.enabled && permission === 'granted',
    hint,
    dismissHint,
    toggle,
    setSound,
  };
}
