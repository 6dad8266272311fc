import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, fetchOptionalJson } from './api-client';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function client(fetchImpl: typeof fetch, token: string | null = 'tok', onUnauthorized = vi.fn()) {
  return {
    api: createApiClient({ baseUrl: 'http://api.test/', getToken: () => token, onUnauthorized, fetchImpl }),
    onUnauthorized,
  };
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('api client', () => {
  it('sends the bearer token and JSON body, and parses the JSON answer', async () => {
    const fetchImpl = vi.fn<typeof fetch>(async () => jsonResponse(201, { id: 3, name: 'general' }));
    const { api } = client(fetchImpl);
    const room = await api.post<{ id: number; name: string }>('/api/rooms', { name: 'general' });
    expect(room).toEqual({ id: 3, name: 'general' });
    const [url, init] = fetchImpl.mock.calls[0]! as [string, RequestInit];
    expect(url).toBe('http://api.test/api/rooms');
    const headers = init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer tok');
    expect(headers['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{"name":"general"}');
  });

  it('builds query strings and leaves out null values', async () => {
    const fetchImpl = vi.fn<typeof fetch>(async () => jsonResponse(200, { messages: [], has_more: false }));
    const { api } = client(fetchImpl);
    await api.get('/api/rooms/4/messages', { query: { before: 90, limit: 50, after: null } });
    expect(fetchImpl.mock.calls[0]![0]).toBe('http://api.test/api/rooms/4/messages?before=90&limit=50');
  });

  it('turns an error body into an ApiError with its status, code and message', async () => {
    const fetchImpl = async () =>
      jsonResponse(409, { error: { code: 'conflict', message: 'username "ada" is already taken' } });
    const err = await caught(client(fetchImpl).api.post('/api/auth/register', {}, { auth: false }));
    expect(err.status).toBe(409);
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('username "ada" is already taken');
  });

  it('reads Retry-After on a 429', async () => {
    const fetchImpl = async () =>
      jsonResponse(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '7' });
    const err = await caught(client(fetchImpl).api.post('/api/rooms/1/messages', { content: 'x' }));
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfter).toBe(7);
  });

  it('gives a readable ApiError for a non-JSON 502 page (a proxy answered)', async () => {
    const fetchImpl = async () =>
      new Response('<html><body>Bad Gateway</body></html>', { status: 502, headers: { 'Content-Type': 'text/html' } });
    const err = await caught(client(fetchImpl).api.get('/api/rooms'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.code).toBe('server_error');
    expect(err.message).toMatch(/unavailable/i);
    expect(err.message).not.toContain('<html>');
  });

  it('reports a network failure as status 0 / network_error', async () => {
    const fetchImpl = async () => {
      throw new TypeError('Failed to fetch');
    };
    const err = await caught(client(fetchImpl).api.get('/api/rooms'));
    expect(err.isNetworkError).toBe(true);
    expect(err.code).toBe('network_error');
    expect(err.message).toMatch(/could not reach the server/i);
  });

  it('calls onUnauthorized on a 401 to an authenticated request, and still rejects', async () => {
    const fetchImpl = async () => jsonResponse(401, { error: { code: 'unauthorized', message: 'token expired' } });
    const { api, onUnauthorized } = client(fetchImpl);
    const err = await caught(api.get('/api/auth/me'));
    expect(err.status).toBe(401);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized.mock.calls[0]![0]).toBe(err);
  });

  it('does not treat a wrong password (401 to a tokenless login) as a lost session', async () => {
    const fetchImpl = vi.fn<typeof fetch>(async () =>
      jsonResponse(401, { error: { code: 'unauthorized', message: 'invalid username or password' } }),
    );
    const { api, onUnauthorized } = client(fetchImpl, 'stale-token');
    const err = await caught(api.post('/api/auth/login', { username: 'a', password: 'b' }, { auth: false }));
    expect(err.message).toBe('invalid username or password');
    expect(onUnauthorized).not.toHaveBeenCalled();
    const init = fetchImpl.mock.calls[0]![1]!;
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('resolves undefined for 204 No Content', async () => {
    const fetchImpl = async () => new Response(null, { status: 204 });
    await expect(client(fetchImpl).api.post('/api/rooms/1/leave')).resolves.toBeUndefined();
  });

  it('rejects a 200 whose body is not JSON', async () => {
    const fetchImpl = async () => new Response('hello', { status: 200 });
    const err = await caught(client(fetchImpl).api.get('/api/rooms'));
    expect(err.code).toBe('bad_response');
  });
});

describe('fetchOptionalJson', () => {
  it('returns the parsed document, or null for a 404 or a network failure', async () => {
    await expect(fetchOptionalJson('/config.json', async () => jsonResponse(200, { wsUrl: 'x' }))).resolves.toEqual({
      wsUrl: 'x',
    });
    await expect(fetchOptionalJson('/config.json', async () => new Response('nope', { status: 404 }))).resolves.toBeNull();
    await expect(
      fetchOptionalJson('/config.json', async () => {
        throw new TypeError('offline');
      }),
    ).resolves.toBeNull();
  });
});
