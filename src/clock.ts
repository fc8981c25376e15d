// Time as the I/O shells see it. The QUIC core never reads a clock (it is
// handed `now`); the driver reads one of these and arms one timer at the
// core's next deadline. The real clock is below; the simulator's virtual
// clock (virtual-clock.ts) implements the same interface.

/** An opaque handle returned by `setTimer`. */
export type TimerHandle = { readonly timer: unknown };

export interface Clock {
  /** Monotonic milliseconds (fractional allowed); only differences matter. */
  now(): number;
  /** Calls `callback` once, `delayMs` (clamped to >= 0) from now. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  /** Cancels a timer; harmless if it already fired or was cleared. */
  clearTimer(handle: TimerHandle): void;
  /**
   * Runs `callback` once the I/O already due has been handled (setImmediate
   * on Node.js), so work triggered by a burst of datagrams runs once for the
   * burst. Optional: the callers fall back to a microtask.
   */
  defer?(callback: () => void): void;
}

/** Wall time: performance.now() and setTimeout. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, callback) {
    return { timer: setTimeout(callback, Math.max(0, delayMs)) };
  },
  clearTimer(handle) {
    clearTimeout(handle.timer as ReturnType<typeof setTimeout>);
  },
  defer(callback) {
    if (typeof setImmediate === 'function') setImmediate(callback);
    else setTimeout(callback, 0);
  },
};
