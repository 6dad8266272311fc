import { describe, expect, it } from 'vitest';
import { resolveRuntimeConfig, userSocketUrl } from './runtime-config';

describe('resolveRuntimeConfig', () => {
  it('uses the page origin and /ws when config.json is missing', () => {
    expect(resolveRuntimeConfig(null, 'http://127.0.0.1:8787')).toEqual({
      apiBaseUrl: 'http://127.0.0.1:8787',
      wsUrl: 'ws://127.0.0.1:8787/ws',
    });
  });

  it('treats empty strings as "same origin" and maps https to wss', () => {
    expect(resolveRuntimeConfig({ apiBaseUrl: '', wsUrl: '  ' }, 'https://chat.example.com')).toEqual({
      apiBaseUrl: 'https://chat.example.com',
      wsUrl: 'wss://chat.example.com/ws',
    });
  });

  it('takes the configured values, without a trailing slash', () => {
    expect(
      resolveRuntimeConfig(
        { apiBaseUrl: 'https://api.example.com/', wsUrl: 'wss://ws.example.com/prod' },
        'https://cdn.example.com',
      ),
    ).toEqual({ apiBaseUrl: 'https://api.example.com', wsUrl: 'wss://ws.example.com/prod' });
  });
});

describe('userSocketUrl', () => {
  it('adds the ticket and no room id: one connection for every room, no JWT in the URL', () => {
    const url = new URL(userSocketUrl('wss://ws.example.com/prod', { ticket: 'tk-1' }));
    expect(url.origin + url.pathname).toBe('wss://ws.example.com/prod');
    expect(url.searchParams.get('ticket')).toBe('tk-1');
    expect(url.searchParams.has('token')).toBe(false);
    expect(url.searchParams.has('room_id')).toBe(false);
  });

  it('adds the token instead only when asked (a server without tickets)', () => {
    const url = new URL(userSocketUrl('wss://ws.example.com/prod', { token: 'a.b.c' }));
    expect(url.searchParams.get('token')).toBe('a.b.c');
    expect(url.searchParams.has('ticket')).toBe(false);
  });

  it('keeps a configured query but never a room_id, nor a stale token or ticket', () => {
    const url = new URL(userSocketUrl('ws://127.0.0.1:8787/ws?stage=dev&room_id=3&token=old.jwt&ticket=old', { ticket: 'new' }));
    expect(url.searchParams.get('stage')).toBe('dev');
    expect(url.searchParams.has('room_id')).toBe(false);
    expect(url.searchParams.has('token')).toBe(false);
    expect(url.searchParams.getAll('ticket')).toEqual(['new']);
  });
});
