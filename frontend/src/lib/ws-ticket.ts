// The URL of each WebSocket attempt. The JWT never goes in a URL (URLs end up in
// logs): before every connect and reconnect the SPA asks `POST /api/ws-ticket`
// (bearer JWT, no body) for a single-use ticket valid 60 s and opens
// `${wsUrl}?ticket=<ticket>`. A ticket is never reused: a refused or dropped
// socket gets a new one on the next attempt. Only a server without the endpoint
// (404) gets the old `?token=<JWT>`.
//
// Failures reject, so the WebSocket client counts them as a failed attempt and
// backs off: a 401 (the session is over; the API client's 401 hook signs out),
// 429 (its Retry-After is honoured), 503, network errors.
import { userSocketUrl } from '../config/runtime-config';
import type { WsTicket } from '../types/api';
import { ApiError, isApiError, type ApiClient } from './api-client';

export const WS_TICKET_PATH = '/api/ws-ticket';

/** A fresh ticket, or null when the server has no ticket endpoint (404: an older server). */
export async function requestWsTicket(api: ApiClient, signal?: AbortSignal): Promise<string | null> {
  let answer: WsTicket | undefined;
  try {
    answer = await api.post<WsTicket>(WS_TICKET_PATH, undefined, { signal });
  } catch (err) {
    if (isApiError(err) && err.status === 404) return null;
    throw err;
  }
  if (typeof answer !== 'object' || answer === null || typeof answer.ticket !== 'string' || answer.ticket === '') {
    throw new ApiError(201, 'bad_response', 'The server sent a connection ticket this app cannot read.');
  }
  return answer.ticket;
}

/** The user connection's URL for one attempt: with a new ticket, or the token on an older server. */
export async function ticketedSocketUrl(
  api: ApiClient,
  wsUrl: string,
  getToken: () => string,
  signal?: AbortSignal,
): Promise<string> {
  const ticket = await requestWsTicket(api, signal);
  return ticket !== null ? userSocketUrl(wsUrl, { ticket }) : userSocketUrl(wsUrl, { token: getToken() });
}
