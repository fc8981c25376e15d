import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { realClock } from '../../src/clock.js';
import { VirtualClock } from '../../src/virtual-clock.js';

describe('VirtualClock', () => {
  it('runs timers in time order, ties in insertion order, and moves time to each', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.setTimer(20, () => seen.push(`b@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`a@${clock.now()}`));
    clock.setTimer(20, () => seen.push(`c@${clock.now()}`));
    clock.setTimer(-5, () => seen.push(`now@${clock.now()}`));
    while (clock.runNext()) {}
    expect(seen).toEqual(['now@0', 'a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(20);
  });

  it('skips cleared timers, and a timer may set another', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const handle = clock.setTimer(5, () => seen.push(5));
    clock.setTimer(1, () => clock.setTimer(1, () => seen.push(clock.now())));
    clock.clearTimer(handle);
    clock.clearTimer(handle);
    expect(clock.nextEventTime()).toBe(1);
    while (clock.runNext()) {}
    expect(seen).toEqual([2]);
    expect(clock.nextEventTime()).toBeUndefined();
  });

  it('advanceTo refuses to skip an event', () => {
    const clock = new VirtualClock();
    clock.setTimer(10, () => {});
    clock.advanceTo(5);
    expect(clock.now()).toBe(5);
    expect(() => clock.advanceTo(11)).toThrow(RangeError);
  });

  it('fires any set of timers in sorted order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }), (delays) => {
        const clock = new VirtualClock();
        const fired: number[] = [];
        for (const [i, delay] of delays.entries()) clock.setTimer(delay, () => fired.push(i));
        while (clock.runNext()) {}
        const expected = delays
          .map((delay, i) => [delay, i] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(fired).toEqual(expected.map(([, i]) => i));
      }),
    );
  });
});

describe('realClock', () => {
  it('is monotonic and its timers fire and can be cleared', async () => {
    const start = realClock.now();
    let cleared = false;
    const handle = realClock.setTimer(1, () => {
      cleared = true;
    });
    realClock.clearTimer(handle);
    await new Promise<void>((resolve) => realClock.setTimer(5, resolve));
    expect(cleared).toBe(false);
    expect(realClock.now()).toBeGreaterThanOrEqual(start);
  });
});
