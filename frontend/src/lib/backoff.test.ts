import { describe, expect, it } from 'vitest';
import { Backoff, backoffCap, backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('stays within [cap/2, cap] for every attempt, with cap doubling up to the max', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const cap = backoffCap(attempt, 500, 30_000);
      expect(cap).toBe(Math.min(30_000, 500 * 2 ** attempt));
      const low = backoffDelay(attempt, { baseMs: 500, maxMs: 30_000, random: () => 0 });
      const high = backoffDelay(attempt, { baseMs: 500, maxMs: 30_000, random: () => 0.999999 });
      expect(low).toBe(Math.round(cap / 2));
      expect(high).toBeLessThanOrEqual(cap);
      expect(high).toBeGreaterThan(cap * 0.99);
    }
  });

  it('never exceeds the max, even after very many attempts', () => {
    expect(backoffDelay(1000, { baseMs: 500, maxMs: 30_000, random: () => 0.999999 })).toBeLessThanOrEqual(30_000);
  });

  it('spreads delays with jitter (different random draws give different waits)', () => {
    const draws = [0.1, 0.5, 0.9].map((r) => backoffDelay(4, { baseMs: 500, maxMs: 30_000, random: () => r }));
    expect(new Set(draws).size).toBe(3);
    for (const d of draws) expect(d).toBeGreaterThanOrEqual(4000);
  });
});

describe('Backoff', () => {
  it('grows with each failure and starts over after reset()', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 10_000, random: () => 0 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400]);
    expect(b.attempts).toBe(4);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(50);
  });
});
