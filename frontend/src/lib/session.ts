// The signed-in session, kept in localStorage so a reload keeps you in.
// Logging out (or a 401) clears it; other tabs follow through the storage event.
import type { User } from '../types/api';

export interface Session {
  token: string;
  user: User;
}

export const TOKEN_KEY = 'chat.token';
export const USER_KEY = 'chat.user';

/** The `exp` claim of a JWT in epoch seconds, or null if it cannot be read. */
export function tokenExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

export function isExpired(token: string, nowMs: number = Date.now()): boolean {
  const exp = tokenExpiry(token);
  return exp !== null && exp * 1000 <= nowMs;
}

export function loadSession(storage: Storage = localStorage): Session | null {
  try {
    const token = storage.getItem(TOKEN_KEY);
    const userJson = storage.getItem(USER_KEY);
    if (!token || !userJson) return null;
    if (isExpired(token)) {
      clearSession(storage);
      return null;
    }
    const user = JSON.parse(userJson) as User;
    if (typeof user?.id !== 'number' || typeof user.username !== 'string') return null;
    return { token, user };
  } catch {
    return null;
  }
}

export function saveSession(session: Session, storage: Storage = localStorage): void {
  storage.setItem(TOKEN_KEY, session.token);
  storage.setItem(USER_KEY, JSON.stringify(session.user));
}

export function clearSession(storage: Storage = localStorage): void {
  storage.removeItem(TOKEN_KEY);
  storage.removeItem(USER_KEY);
}
