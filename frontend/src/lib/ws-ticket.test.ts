import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient } from './api-client';
import { requestWsTicket, ticketedSocketUrl } from './ws-ticket';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** An API whose `POST /api/ws-ticket` answers with the given responses in turn. */
function server(...answers: (() => Response)[]) {
  let n = 0;
  const fetchImpl = vi.fn<typeof fetch>(async () => {
    const answer = answers[Math.min(n, answers.length - 1)]!;
    n += 1;
    return answer();
  });
  const onUnauthorized = vi.fn();
  const api = createApiClient({ baseUrl: 'https://api.example.com', getToken: () => JWT, onUnauthorized, fetchImpl });
  return { api, fetchImpl, onUnauthorized };
}

let issued = 0;
const ticket = () => jsonResponse(201, { ticket: `tk-${++issued}`, expires_in: 60 });

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('WebSocket tickets', () => {
  it('asks POST /api/ws-ticket with the bearer JWT and no body, and connects with ?ticket=', async () => {
    const s = server(ticket);
    const url = new URL(await ticketedSocketUrl(s.api, 'wss://ws.example.com/prod', () => JWT));
    const [requestUrl, init] = s.fetchImpl.mock.calls[0]! as [string, RequestInit];
    expect(requestUrl).toBe('https://api.example.com/api/ws-ticket');
    expect(init.method).toBe('POST');
    expect(init.body).toBeUndefined();
    expect((init.headers as Record<string, string>).Authorization).toBe(`Bearer ${JWT}`);
    expect(url.origin + url.pathname).toBe('wss://ws.example.com/prod');
    expect(url.searchParams.get('ticket')).toMatch(/^tk-\d+$/);
    expect(url.searchParams.has('token')).toBe(false);
    expect(url.toString()).not.toContain(JWT);
  });

  it('fetches a new ticket for every URL: one request each, never the same ticket twice', async () => {
    const s = server(ticket);
    const urls = [];
    for (let i = 0; i < 3; i += 1) urls.push(await ticketedSocketUrl(s.api, 'ws://127.0.0.1:8787/ws', () => JWT));
    expect(s.fetchImpl).toHaveBeenCalledTimes(3);
    const tickets = urls.map((u) => new URL(u).searchParams.get('ticket'));
    expect(new Set(tickets).size).toBe(3);
  });

  it('falls back to ?token= when the server has no ticket endpoint (404), and tries tickets again next time', async () => {
    const s = server(() => jsonResponse(404, { error: { code: 'not_found', message: 'no such route' } }), ticket);
    const old = new URL(await ticketedSocketUrl(s.api, 'ws://127.0.0.1:8787/ws', () => JWT));
    expect(old.searchParams.get('token')).toBe(JWT);
    expect(old.searchParams.has('ticket')).toBe(false);
    const upgraded = new URL(await ticketedSocketUrl(s.api, 'ws://127.0.0.1:8787/ws', () => JWT));
    expect(upgraded.searchParams.has('ticket')).toBe(true);
    expect(upgraded.searchParams.has('token')).toBe(false);
  });

  it('a 404 without the contract body (an API Gateway route miss) falls back too', async () => {
    const s = server(() => jsonResponse(404, { message: 'Not Found' }));
    expect(await requestWsTicket(s.api)).toBeNull();
  });

  it('a 401 rejects and goes through the API client 401 hook: the session is over', async () => {
    const s = server(() => jsonResponse(401, { error: { code: 'unauthorized', message: 'token expired' } }));
    const err = await caught(ticketedSocketUrl(s.api, 'ws://h/ws', () => JWT));
    expect(err.status).toBe(401);
    expect(err.code).toBe('unauthorized');
    expect(s.onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('429 and 503 reject with their code (and Retry-After) for the WebSocket client to back off', async () => {
    const s = server(
      () => jsonResponse(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '12' }),
      () => jsonResponse(503, { error: { code: 'unavailable', message: 'later' } }),
    );
    const limited = await caught(requestWsTicket(s.api));
    expect([limited.status, limited.code, limited.retryAfter]).toEqual([429, 'rate_limited', 12]);
    const unavailable = await caught(requestWsTicket(s.api));
    expect([unavailable.status, unavailable.code]).toEqual([503, 'unavailable']);
    expect(s.onUnauthorized).not.toHaveBeenCalled();
  });

  it('rejects an answer without a usable ticket rather than connecting without one', async () => {
    const s = server(() => jsonResponse(201, { expires_in: 60 }), () => jsonResponse(201, { ticket: '', expires_in: 60 }));
    expect((await caught(requestWsTicket(s.api))).code).toBe('bad_response');
    expect((await caught(requestWsTicket(s.api))).code).toBe('bad_response');
  });

  it('passes the abort signal on to fetch', async () => {
    const s = server(ticket);
    const controller = new AbortController();
    await requestWsTicket(s.api, controller.signal);
    expect((s.fetchImpl.mock.calls[0]![1] as RequestInit).signal).toBe(controller.signal);
  });
});
