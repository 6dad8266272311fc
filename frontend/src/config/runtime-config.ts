// Runtime configuration: one build serves any deployment. The app reads
// `/config.json` ({"apiBaseUrl","wsUrl"}) at start-up; a missing file or empty
// values mean "same origin" (local-dev serves the SPA, the API and /ws).
import type { RuntimeConfigFile } from '../types/api';

export interface RuntimeConfig {
  /** REST base, e.g. "https://abc.execute-api.eu-west-1.amazonaws.com" (no trailing slash). */
  apiBaseUrl: string;
  /** WebSocket endpoint, e.g. "wss://xyz.execute-api.eu-west-1.amazonaws.com/prod" or "ws://host/ws". */
  wsUrl: string;
}

export const CONFIG_PATH = '/config.json';

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().replace(/\/+$/, '') : null;
}

/** ws(s) URL of `/ws` on the given http(s) origin. */
export function sameOriginWsUrl(origin: string): string {
  return `${origin.replace(/^http/, 'ws')}/ws`;
}

export function resolveRuntimeConfig(raw: unknown, origin: string): RuntimeConfig {
  const file: RuntimeConfigFile = typeof raw === 'object' && raw !== null ? (raw as RuntimeConfigFile) : {};
  return {
    apiBaseUrl: nonEmpty(file.apiBaseUrl) ?? origin,
    wsUrl: nonEmpty(file.wsUrl) ?? sameOriginWsUrl(origin),
  };
}

/** What authenticates the upgrade: a single-use ticket, or (older servers only) the JWT. */
export type SocketCredential = { ticket: string } | { token: string };

/**
 * `${wsUrl}?ticket=<ticket>` without `room_id`: a *user connection* that carries
 * the frames of every room the user is a member of. `{ token }` gives
 * `?token=<JWT>`, only for a server without `POST /api/ws-ticket`. Any query the
 * configured URL already has is kept, except a stale `room_id`, `ticket` or `token`
 * (a URL with a ticket never carries a JWT).
 */
export function userSocketUrl(wsUrl: string, credential: SocketCredential): string {
  const url = new URL(wsUrl);
  url.searchParams.delete('room_id');
  url.searchParams.delete('ticket');
  url.searchParams.delete('token');
  if ('ticket' in credential) url.searchParams.set('ticket', credential.ticket);
  else url.searchParams.set('token', credential.token);
  return url.toString();
}
