import { describe, expect, it } from 'vitest';
import type { Message } from '../../../types/api';
import { FRESH_MESSAGE_FIELDS } from '../../../types/api';
import { DEFAULT_PREFS, loadPrefs, notificationFor, PREFS_KEY, savePrefs, shouldNotify, type NotifyContext } from './notification-logic';

const msg = (over: Partial<Message> = {}): Message => ({
  id: 42,
  room_id: 7,
  sender: { id: 2, username: 'bob' },
  content: 'lunch?',
  created_at: '2026-12-01T12:00:00.000Z',
  client_id: null,
  ...FRESH_MESSAGE_FIELDS,
  ...over,
});

const on: NotifyContext = {
  prefs: { enabled: true, sound: true },
  permission: 'granted',
  selfId: 1,
  viewedRoomId: 3,
  visible: true,
};

describe('shouldNotify', () => {
  it('notifies for a message by someone else in a room you are not viewing', () => {
    expect(shouldNotify(msg(), on)).toBe(true);
  });

  it('notifies for the viewed room only while the tab is hidden', () => {
    expect(shouldNotify(msg({ room_id: 3 }), on)).toBe(false);
    expect(shouldNotify(msg({ room_id: 3 }), { ...on, visible: false })).toBe(true);
  });

  it('never for your own messages (another tab of yours sent it)', () => {
    expect(shouldNotify(msg({ sender: { id: 1, username: 'ada' } }), { ...on, visible: false })).toBe(false);
  });

  it('only when opted in and allowed by the browser', () => {
    expect(shouldNotify(msg(), { ...on, prefs: { enabled: false, sound: true } })).toBe(false);
    for (const permission of ['default', 'denied', 'unsupported'] as const) {
      expect(shouldNotify(msg(), { ...on, permission })).toBe(false);
    }
  });
});

describe('notificationFor', () => {
  it('names the sender and the room; one tag per message', () => {
    expect(notificationFor(msg(), 'general')).toEqual({ title: 'bob in #general', body: 'lunch?', tag: 'chat-message-42' });
    expect(notificationFor(msg(), null).title).toBe('bob in #room 7');
  });

  it('flattens whitespace and shortens long text', () => {
    expect(notificationFor(msg({ content: 'a\n\n  b' }), 'x').body).toBe('a b');
    const body = notificationFor(msg({ content: '😀'.repeat(500) }), 'x').body;
    expect([...body]).toHaveLength(160);
    expect(body.endsWith('…')).toBe(true);
  });
});

describe('preferences', () => {
  it('default to off (never asked on load) with sound on, and round-trip', () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
    expect(DEFAULT_PREFS.enabled).toBe(false);
    savePrefs({ enabled: true, sound: false }, storage);
    expect(loadPrefs(storage)).toEqual({ enabled: true, sound: false });
    map.set(PREFS_KEY, 'not json');
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
    map.set(PREFS_KEY, '{"enabled":"yes"}');
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
  });
});
