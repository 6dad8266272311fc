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
  it('adds the token and no room id: one connection for every room', () => {
    const url = new URL(userSocketUrl('wss://ws.example.com/prod', 'a.b.c'));
    expect(url.origin + url.pathname).toBe('wss://ws.example.com/prod');
    expect(url.searchParams.get('token')).toBe('a.b.c');
    expect(url.searchParams.has('room_id')).toBe(false);
  });

  it('keeps a configured query but never a room_id', () => {
    const url = new URL(userSocketUrl('ws://127.0.0.1:8787/ws?stage=dev&room_id=3', 't'));
    expect(url.searchParams.get('stage')).toBe('dev');
    expect(url.searchParams.has('room_id')).toBe(false);
    expect(url.searchParams.get('token')).toBe('t');
  });
});
