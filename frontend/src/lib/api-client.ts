// The only module in the SPA that calls `fetch`. It knows the base URL, adds
// the bearer token, turns the contract's `{"error":{"code","message"}}` bodies
// into a typed ApiError, and reports a 401 on an authenticated call so the app
// can send the user back to log in.
import type { ApiErrorBody } from '../types/api';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds, from a `Retry-After` header (429). */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** True when the request never got an HTTP answer (offline, DNS, CORS, reset). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const err = (value as { error?: unknown }).error;
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string';
}

/** Human text for a status that came without a contract error body (proxy pages, 502s). */
function fallbackMessage(status: number): string {
  if (status === 502 || status === 503 || status === 504) {
    return 'The server is unavailable right now. Please try again in a moment.';
  }
  if (status >= 500) return `The server had a problem (HTTP ${status}). Please try again.`;
  return `The request failed (HTTP ${status}).`;
}

function fallbackCode(status: number): string {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'server_error';
  return 'http_error';
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: HttpMethod;
  /** JSON-serialised as the body. */
  body?: unknown;
  /** Query parameters; null/undefined values are left out. */
  query?: Record<string, string | number | null | undefined>;
  /** Send the bearer token (default true). Register and log in set false. */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  /** Origin (and optional path prefix) of the REST API, without a trailing slash. */
  baseUrl: string;
  getToken: () => string | null;
  /** Called once per 401 answer to a request that carried a token. */
  onUnauthorized?: (error: ApiError) => void;
  fetchImpl?: typeof fetch;
}

export interface ApiClient {
  request<T>(path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>): Promise<T>;
  post<T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>): Promise<T>;
}

export function buildUrl(baseUrl: string, path: string, query?: RequestOptions['query']): string {
  const base = baseUrl.replace(/\/+$/, '');
  const suffix = path.startsWith('/') ? path : `/${path}`;
  let url = `${base}${suffix}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== null && value !== undefined) params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetchImpl ?? ((input, init) => fetch(input, init));

  async function request<T>(path: string, req: RequestOptions = {}): Promise<T> {
    const method = req.method ?? 'GET';
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = req.auth === false ? null : options.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.body);
    }

    let response: Response;
    try {
      response = await doFetch(buildUrl(options.baseUrl, path, req.query), {
        method,
        headers,
        body,
        signal: req.signal,
      });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
    }

    if (response.status === 204) return undefined as T;

    const text = await response.text().catch(() => '');
    let parsed: unknown = undefined;
    let parsedOk = false;
    if (text) {
      try {
        parsed = JSON.parse(text);
        parsedOk = true;
      } catch {
        parsedOk = false;
      }
    }

    if (!response.ok) {
      const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
      const error = isApiErrorBody(parsed)
        ? new ApiError(response.status, parsed.error.code, parsed.error.message, retryAfter)
        : new ApiError(response.status, fallbackCode(response.status), fallbackMessage(response.status), retryAfter);
      if (response.status === 401 && token) options.onUnauthorized?.(error);
      throw error;
    }

    if (!parsedOk) {
      throw new ApiError(response.status, 'bad_response', 'The server sent an answer this app cannot read.');
    }
    return parsed as T;
  }

  return {
    request,
    get: (path, opts) => request(path, { ...opts, method: 'GET' }),
    post: (path, body, opts) => request(path, { ...opts, method: 'POST', body }),
  };
}

/**
 * Fetch a public JSON document (the runtime `config.json`). Resolves to null
 * when it is missing or unreadable: the app then falls back to its own origin.
 */
export async function fetchOptionalJson(url: string, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  try {
    const response = await fetchImpl(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) return null;
    return (await response.json()) as unknown;
  } catch {
    return null;
  }
}
