import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../quic/connection/connection.js';
import type { Clock, TimerHandle } from '../../../src/clock.js';
import {
  ConnectionDriver,
  MAX_DATAGRAMS_PER_SERVICE,
} from '../../../src/quic/connection-driver.js';
import type { RawUdpSocket } from '../../../src/udp/udp-stack.js';

/** A clock that advances 0.05 ms each time it is read, and records timers. */
function steppingClock() {
  let t = 100;
  const timers: { delay: number; callback: () => void }[] = [];
  const deferred: (() => void)[] = [];
  const clock: Clock = {
    defer: (callback) => void deferred.push(callback),
    now: () => (t += 0.05),
    setTimer(delay, callback) {
      const timer = { delay, callback };
      timers.push(timer);
      return { timer } as TimerHandle;
    },
    clearTimer() {},
  };
  return { clock, timers, deferred };
}

function fakeSocket(sent: Uint8Array[], accept = () => true): RawUdpSocket {
  return {
    localAddress: '127.0.0.1',
    localPort: 1,
    sendQueueLength: 0,
    sendQueueLimit: 64,
    send(data) {
      sent.push(data);
      return accept();
    },
    close: () => Promise.resolve(),
  };
}

/** A connection with `count` datagrams to send; records the `now` of each poll. */
function fakeConnection(count: number, polls: number[]): Connection {
  let left = count;
  return {
    pollTransmit(now: number) {
      polls.push(now);
      return left-- > 0 ? new Uint8Array([left]) : undefined;
    },
    pollEvent: () => undefined,
    nextTimeout: () => undefined,
  } as unknown as Connection;
}

describe('ConnectionDriver.service', () => {
  it('reads the clock for every datagram of a burst (the pacer refills by real elapsed time)', () => {
    const polls: number[] = [];
    const sent: Uint8Array[] = [];
    const { clock } = steppingClock();
    const driver = new ConnectionDriver(
      fakeConnection(5, polls),
      fakeSocket(sent),
      { address: '127.0.0.1', port: 2 },
      clock,
      () => {},
    );
    driver.service();
    expect(sent.length).toBe(5);
    expect(polls.length).toBe(6); // five datagrams, then undefined
    for (let i = 1; i < polls.length; i++) expect(polls[i]).toBeGreaterThan(polls[i - 1]!);
  });

  it('stops polling when the socket is full and resumes on drain', () => {
    const polls: number[] = [];
    const sent: Uint8Array[] = [];
    const { clock } = steppingClock();
    let room = 2;
    const driver = new ConnectionDriver(
      fakeConnection(5, polls),
      fakeSocket(sent, () => --room > 0),
      { address: '127.0.0.1', port: 2 },
      clock,
      () => {},
    );
    driver.service();
    expect(sent.length).toBe(2);
    room = 100;
    driver.onDrain();
    return new Promise<void>((resolve) =>
      queueMicrotask(() => {
        expect(sent.length).toBe(5);
        resolve();
      }),
    );
  });

  it('sends at most MAX_DATAGRAMS_PER_SERVICE per call, then continues after pending I/O', () => {
    const polls: number[] = [];
    const sent: Uint8Array[] = [];
    const { clock, deferred } = steppingClock();
    const total = 2 * MAX_DATAGRAMS_PER_SERVICE + 10;
    const driver = new ConnectionDriver(
      fakeConnection(total, polls),
      fakeSocket(sent),
      { address: '127.0.0.1', port: 2 },
      clock,
      () => {},
    );
    driver.service();
    expect(sent.length).toBe(MAX_DATAGRAMS_PER_SERVICE);
    expect(deferred.length).toBe(1);
    driver.service(); // a service already queued: no second deferral
    expect(sent.length).toBe(2 * MAX_DATAGRAMS_PER_SERVICE);
    expect(deferred.length).toBe(1);
    deferred.shift()!();
    expect(sent.length).toBe(total);
    expect(deferred.length).toBe(0);
  });
});

describe('ConnectionDriver timer', () => {
  /** A connection whose next deadline the test moves; records handleTimeout calls. */
  function timedConnection() {
    const state = { deadline: undefined as number | undefined, handled: [] as number[] };
    const connection = {
      pollTransmit: () => undefined,
      pollEvent: () => undefined,
      nextTimeout: () => state.deadline,
      handleTimeout(now: number) {
        state.handled.push(now);
        state.deadline = undefined;
      },
    } as unknown as Connection;
    return { connection, state };
  }

  /** A manual clock: time moves only when the test says; timers fire when asked. */
  function manualClock() {
    let t = 0;
    const live = new Set<{ at: number; callback: () => void }>();
    const clock: Clock = {
      now: () => t,
      setTimer(delay, callback) {
        const timer = { at: t + Math.max(0, delay), callback };
        live.add(timer);
        return { timer } as TimerHandle;
      },
      clearTimer(handle) {
        live.delete(handle.timer as { at: number; callback: () => void });
      },
    };
    const advance = (to: number) => {
      t = to;
      for (const timer of [...live].sort((a, b) => a.at - b.at)) {
        if (timer.at > t) break;
        live.delete(timer);
        timer.callback();
      }
    };
    return { clock, live, advance };
  }

  /** A driver over a timed connection and a manual clock. */
  function timedDriver() {
    const { connection, state } = timedConnection();
    const { clock, live, advance } = manualClock();
    const driver = new ConnectionDriver(
      connection,
      fakeSocket([]),
      { address: '127.0.0.1', port: 2 },
      clock,
      () => {},
    );
    return { driver, state, live, advance };
  }

  it('keeps the armed timer when the deadline moves later, and re-arms when it fires', () => {
    const { driver, state, live, advance } = timedDriver();
    state.deadline = 10;
    driver.service();
    const first = [...live][0];
    expect(first?.at).toBe(10);
    state.deadline = 30; // e.g. an ACK moved the PTO on
    driver.service();
    expect([...live]).toEqual([first]); // not cleared and set again
    advance(10);
    expect(state.handled).toEqual([]); // nothing was due yet
    expect([...live].map((timer) => timer.at)).toEqual([30]);
    advance(30);
    expect(state.handled).toEqual([30]);
    expect(live.size).toBe(0);
  });

  it('re-arms at once for an earlier deadline, and clears the timer when there is none', () => {
    const { driver, state, live, advance } = timedDriver();
    state.deadline = 50;
    driver.service();
    state.deadline = 20;
    driver.service();
    expect([...live].map((timer) => timer.at)).toEqual([20]);
    advance(20);
    expect(state.handled).toEqual([20]);
    state.deadline = 40;
    driver.service();
    state.deadline = undefined; // closed: no timer may keep the process alive
    driver.service();
    expect(live.size).toBe(0);
  });
});
