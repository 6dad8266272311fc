import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingThrottle } from './typing-throttle';

function setup(canSend = () => true) {
  const sentAt: number[] = [];
  const throttle = new TypingThrottle(
    () => {
      if (!canSend()) return false;
      sentAt.push(Date.now());
      return true;
    },
    {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
  );
  return { throttle, sentAt };
}

describe('TypingThrottle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(100_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends at once, then at most every 3 s while typing, with no trailing frame', () => {
    const t = setup();
    for (let ms = 0; ms <= 7000; ms += 500) {
      t.throttle.typed();
      vi.advanceTimersByTime(500);
    }
    vi.advanceTimersByTime(10_000);
    expect(t.sentAt.map((at) => at - 100_000)).toEqual([0, 3000, 6000]);
  });

  it('after a send, the next message is announced once the server window (2 s) is over, not dropped by it', () => {
    const t = setup();
    t.throttle.typed(); // t=0
    vi.advanceTimersByTime(800);
    t.throttle.sent(); // t=800
    vi.advanceTimersByTime(200);
    t.throttle.typed(); // t=1000: too early for the server, so scheduled
    t.throttle.typed();
    expect(t.sentAt).toHaveLength(1);
    vi.advanceTimersByTime(1249);
    expect(t.sentAt).toHaveLength(1);
    vi.advanceTimersByTime(1); // t=2250
    expect(t.sentAt.map((at) => at - 100_000)).toEqual([0, 2250]);
    vi.advanceTimersByTime(10_000);
    expect(t.sentAt).toHaveLength(2); // once
  });

  it('after a send with the last frame long ago, the next keystroke sends at once', () => {
    const t = setup();
    t.throttle.typed();
    vi.advanceTimersByTime(5000);
    t.throttle.sent();
    t.throttle.typed();
    expect(t.sentAt.map((at) => at - 100_000)).toEqual([0, 5000]);
  });

  it('a send cancels a scheduled frame; cancel() too', () => {
    const t = setup();
    t.throttle.typed();
    t.throttle.sent();
    t.throttle.typed(); // scheduled
    t.throttle.sent(); // another message went out before it: drop it
    vi.advanceTimersByTime(5000);
    expect(t.sentAt).toHaveLength(1);
    t.throttle.typed(); // 5 s later: at once
    t.throttle.sent();
    t.throttle.typed(); // scheduled
    t.throttle.cancel();
    vi.advanceTimersByTime(5000);
    expect(t.sentAt).toHaveLength(2);
  });

  it('counts nothing when the frame could not go (no socket)', () => {
    let open = false;
    const t = setup(() => open);
    t.throttle.typed();
    open = true;
    t.throttle.typed();
    expect(t.sentAt).toHaveLength(1);
  });
});
