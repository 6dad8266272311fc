// When to send `{"action":"typing"}`: at most every 3 s while the user types.
// The server passes on at most one `typing` per member and room every 2 s and
// drops the others without an answer (docs/api.md, Limits), so right after a
// send, when the next keystroke starts a new message, the frame goes as soon as
// that window allows: at once if the last one is old enough, else once, when
// the window opens (a frame sent earlier would be dropped, and the others would
// never see the new message being typed).

export const TYPING_SEND_EVERY_MS = 3_000;
/** The server's window (2 s) plus a margin for the frames' travel time. */
export const TYPING_SERVER_EVERY_MS = 2_250;

export interface TypingClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export class TypingThrottle {
  private lastSent = -Infinity;
  private afterSend = false;
  private timer: unknown = null;
  private readonly send: () => boolean;
  private readonly clock: TypingClock;

  /** `send` returns false when the frame could not go (no socket): nothing is counted then. */
  constructor(send: () => boolean, clock: TypingClock) {
    this.send = send;
    this.clock = clock;
  }

  /** A keystroke in a composer that is not empty. */
  typed(): void {
    const every = this.afterSend ? TYPING_SERVER_EVERY_MS : TYPING_SEND_EVERY_MS;
    const since = this.clock.now() - this.lastSent;
    if (since >= every) {
      this.fire();
      return;
    }
    if (this.afterSend && this.timer === null) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.fire();
      }, every - since);
    }
  }

  /** A message went out: the next keystroke begins another one. */
  sent(): void {
    this.cancel();
    this.afterSend = true;
  }

  /** The room view goes away. */
  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    if (this.send()) {
      this.lastSent = this.clock.now();
      this.afterSend = false;
    }
  }
}
