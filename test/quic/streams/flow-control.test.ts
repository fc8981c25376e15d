import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import {
  ConnectionReceiveFlow,
  ReceiveWindow,
  SendCredit,
} from '../../../quic/streams/flow-control.js';

function codeOf(fn: () => void): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof TransportError) return e.code;
    throw e;
  }
  return undefined;
}

describe('ReceiveWindow', () => {
  it('asks for an update only once half the window is consumed', () => {
    const w = new ReceiveWindow(1000, 1000);
    expect(w.limit).toBe(1000);
    w.consume(499);
    expect(w.shouldUpdate()).toBe(false);
    w.consume(1);
    expect(w.shouldUpdate()).toBe(true);
    expect(w.update(0, 0)).toBe(1500);
    expect(w.limit).toBe(1500);
    expect(w.shouldUpdate()).toBe(false);
  });

  it('doubles the window when the reader consumes a window within ~2 RTTs', () => {
    const w = new ReceiveWindow(1000, 8000);
    w.start(0); // first data at t=0: the first epoch starts
    w.consume(600);
    // 600/1000 of a window in 10 ms, RTT 100 ms: 10 < 2 * 100 * 0.6.
    expect(w.update(10, 100)).toBe(600 + 2000);
    expect(w.window).toBe(2000);
    w.consume(1200);
    expect(w.update(30, 100)).toBe(1800 + 4000);
    w.consume(3000);
    w.update(50, 100);
    w.consume(5000);
    w.update(70, 100);
    expect(w.window).toBe(8000); // capped at the maximum
  });

  it('keeps the window when the reader is slow', () => {
    const w = new ReceiveWindow(1000, 8000);
    w.start(0);
    w.consume(600);
    // 600 bytes in 1000 ms with a 100 ms RTT: the application is the bottleneck.
    expect(w.update(1000, 100)).toBe(1600);
    expect(w.window).toBe(1000);
  });

  it('does not auto-tune without an RTT', () => {
    const w = new ReceiveWindow(1000, 8000);
    w.start(0);
    w.consume(900);
    w.update(0, 0);
    expect(w.window).toBe(1000);
  });

  it('the first update without a started epoch only starts one (quic-go)', () => {
    const w = new ReceiveWindow(1000, 8000);
    w.consume(900);
    w.update(0, 100);
    expect(w.window).toBe(1000);
    w.consume(600);
    w.update(1, 100); // now measured: fast
    expect(w.window).toBe(2000);
  });

  it('ensureWindow grows up to the maximum, never shrinks', () => {
    const w = new ReceiveWindow(1000, 5000);
    w.ensureWindow(500, 0);
    expect(w.window).toBe(1000);
    w.ensureWindow(3000, 0);
    expect(w.window).toBe(3000);
    w.ensureWindow(1e9, 0);
    expect(w.window).toBe(5000);
    const odd = new ReceiveWindow(1000, 5000);
    odd.ensureWindow(1001 * 1.5, 0);
    expect(odd.window).toBe(1502); // integral: limits go on the wire
  });

  it('rejects bad configuration with a TypeError', () => {
    expect(() => new ReceiveWindow(-1)).toThrow(TypeError);
    expect(() => new ReceiveWindow(100, 50)).toThrow(TypeError);
  });
});

describe('ConnectionReceiveFlow', () => {
  it('RFC 9000 §4.1: data beyond MAX_DATA is a FLOW_CONTROL_ERROR', () => {
    const c = new ConnectionReceiveFlow(100);
    c.onReceived(60, 0);
    c.onReceived(40, 0);
    expect(c.received).toBe(100);
    expect(codeOf(() => c.onReceived(1, 0))).toBe(TransportErrorCode.FLOW_CONTROL_ERROR);
  });

  it('credit returns only as data is released', () => {
    const c = new ConnectionReceiveFlow(100);
    c.onReceived(100, 0);
    expect(c.window.shouldUpdate()).toBe(false);
    c.onReleased(50);
    expect(c.window.shouldUpdate()).toBe(true);
    expect(c.window.update(0, 0)).toBe(150);
    c.onReceived(50, 0);
    expect(codeOf(() => c.onReceived(1, 0))).toBe(TransportErrorCode.FLOW_CONTROL_ERROR);
  });
});

describe('SendCredit', () => {
  it('tracks the peer limit, ignores decreases, reports blocked once per limit', () => {
    const c = new SendCredit(100);
    expect(c.available).toBe(100);
    expect(c.takeBlocked()).toBeUndefined();
    c.use(100);
    expect(c.available).toBe(0);
    expect(c.takeBlocked()).toBe(100);
    expect(c.takeBlocked()).toBeUndefined();
    // A lost DATA_BLOCKED at the current limit is resent; a stale one is not.
    expect(c.blockedLost(50)).toBe(false);
    expect(c.blockedLost(100)).toBe(true);
    expect(c.takeBlocked()).toBe(100);
    expect(c.raise(80)).toBe(false);
    expect(c.raise(200)).toBe(true);
    expect(c.available).toBe(100);
    expect(c.blockedLost(100)).toBe(false);
    c.use(100);
    expect(c.takeBlocked()).toBe(200);
  });
});
