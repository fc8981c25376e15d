// A clock whose time moves only when told to: timers are events in a queue
// ordered by (time, insertion order), so equal scripts give equal runs. The
// simulated network schedules its packet deliveries on the same queue.

import type { Clock, TimerHandle } from './clock.js';

interface ScheduledEvent {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  #now = 0;
  #order = 0;
  #heap: ScheduledEvent[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0;
    return this.scheduleAt(this.#now + delay, callback);
  }

  clearTimer(handle: TimerHandle): void {
    (handle.timer as ScheduledEvent).cancelled = true;
  }

  /** After every event already due at this virtual time. */
  defer(callback: () => void): void {
    this.scheduleAt(this.#now, callback);
  }

  /** Schedules `callback` at absolute virtual time `at` (not before now). */
  scheduleAt(at: number, callback: () => void): TimerHandle {
    const event: ScheduledEvent = {
      at: Math.max(at, this.#now),
      order: this.#order++,
      callback,
      cancelled: false,
    };
    this.#push(event);
    return { timer: event };
  }

  /** Time of the next pending event, or undefined when none is left. */
  nextEventTime(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.at;
  }

  /** Moves time to the next event and runs it; false when none is left. */
  runNext(): boolean {
    this.#dropCancelled();
    const event = this.#pop();
    if (event === undefined) return false;
    this.#now = event.at;
    event.callback();
    return true;
  }

  /** Moves time forward without running anything (events before `time` must have run). */
  advanceTo(time: number): void {
    const next = this.nextEventTime();
    if (next !== undefined && next < time) {
      throw new RangeError(`advanceTo(${time}) would skip the event at ${next}`);
    }
    if (time > this.#now) this.#now = time;
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#pop();
  }

  #before(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #push(event: ScheduledEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): ScheduledEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.#before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.#before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
    return top;
  }
}
