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
