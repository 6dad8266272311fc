// Exponential backoff with "equal jitter": attempt n waits a random time in
// [cap/2, cap] where cap = min(maxMs, baseMs * 2^n). The random half spreads a
// crowd of clients that lost the server at the same moment; the fixed half
// keeps a single client from hammering it.

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Returns a number in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 500, maxMs: 30_000 } as const;

export function backoffCap(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(attempt, 30); // 2^30 already dwarfs any sane max
  return Math.min(maxMs, baseMs * 2 ** exp);
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const random = options.random ?? Math.random;
  const cap = backoffCap(Math.max(0, attempt), baseMs, maxMs);
  const half = cap / 2;
  return Math.round(half + random() * half);
}

/** Stateful helper: `next()` gives the delay for the next retry, `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  private readonly options: BackoffOptions;

  constructor(options: BackoffOptions = {}) {
    this.options = options;
  }

  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const delay = backoffDelay(this.attempt, this.options);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
