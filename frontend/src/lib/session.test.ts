import { describe, expect, it } from 'vitest';
import { clearSession, isExpired, loadSession, saveSession, tokenExpiry, TOKEN_KEY, USER_KEY } from './session';

class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  clear() {
    this.map.clear();
  }
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
}

const b64url = (obj: unknown) => btoa(JSON.stringify(obj)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}.sig`;
const user = { id: 1, username: 'ada', created_at: '2026-11-26T10:00:00.000Z' };

describe('session storage', () => {
  it('reads the exp claim of a JWT and knows when it has passed', () => {
    const token = jwt({ sub: '1', exp: 2_000_000_000 });
    expect(tokenExpiry(token)).toBe(2_000_000_000);
    expect(isExpired(token, 1_999_999_999_000)).toBe(false);
    expect(isExpired(token, 2_000_000_000_000)).toBe(true);
    expect(tokenExpiry('not-a-jwt')).toBeNull();
  });

  it('round-trips a session and clears it on log out', () => {
    const storage = new MemoryStorage();
    const token = jwt({ sub: '1', exp: Math.floor(Date.now() / 1000) + 3600 });
    saveSession({ token, user }, storage);
    expect(loadSession(storage)).toEqual({ token, user });
    clearSession(storage);
    expect(storage.getItem(TOKEN_KEY)).toBeNull();
    expect(storage.getItem(USER_KEY)).toBeNull();
    expect(loadSession(storage)).toBeNull();
  });

  it('drops an expired stored token instead of using it', () => {
    const storage = new MemoryStorage();
    saveSession({ token: jwt({ sub: '1', exp: 1000 }), user }, storage);
    expect(loadSession(storage)).toBeNull();
    expect(storage.getItem(TOKEN_KEY)).toBeNull();
  });
});
