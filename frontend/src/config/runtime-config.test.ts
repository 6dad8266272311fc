import { describe, expect, it } from 'vitest';
import { resolveRuntimeConfig, roomSocketUrl } from './runtime-config';

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

describe('roomSocketUrl', () => {
  it('adds the token and room id as query parameters', () => {
    const url = new URL(roomSocketUrl('wss://ws.example.com/prod', 'a.b.c', 42));
    expect(url.origin + url.pathname).toBe('wss://ws.example.com/prod');
    expect(url.searchParams.get('token')).toBe('a.b.c');
    expect(url.searchParams.get('room_id')).toBe('42');
  });
});
