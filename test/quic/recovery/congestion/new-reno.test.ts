import { describe, expect, it } from 'vitest';
import { NewReno } from '../../../../quic/recovery/congestion/new-reno.js';
import { initialWindow, minimumWindow } from '../../../../quic/recovery/constants.js';

const rtt = { smoothedRtt: 100, minRtt: 100, latestRtt: 100 };
const pkt = (timeSent: number, size = 1200) => ({ size, timeSent, inFlight: true });

/** Sends `count` packets of `size` at `now` and returns them. */
function fill(cc: NewReno, now: number, count: number, size = 1200) {
  const packets = [];
  for (let i = 0; i < count; i++) {
    cc.onPacketSent(now, size);
    packets.push(pkt(now, size));
  }
  return packets;
}

describe('NewReno (RFC 9002 §7, Appendix B)', () => {
  it('initial window min(10*mds, max(14720, 2*mds)) and minimum 2*mds (§7.2)', () => {
    expect(initialWindow(1200)).toBe(12_000);
    expect(initialWindow(1500)).toBe(14_720);
    expect(initialWindow(9000)).toBe(18_000);
    expect(minimumWindow(1200)).toBe(2400);
    const cc = new NewReno();
    expect(cc.window).toBe(12_000);
    expect(cc.slowStartThreshold).toBe(Number.POSITIVE_INFINITY);
    expect(new NewReno({ maxDatagramSize: 1500 }).window).toBe(14_720);
  });

  it('validates options', () => {
    expect(() => new NewReno({ maxDatagramSize: 1000 })).toThrow(/maxDatagramSize/);
    expect(() => new NewReno({ initialWindow: 100 })).toThrow(/initialWindow/);
  });

  it('canSend/available respect bytes in flight', () => {
    const cc = new NewReno();
    fill(cc, 0, 9);
    expect(cc.bytesInFlight).toBe(10_800);
    expect(cc.canSend(1200)).toBe(true);
    expect(cc.canSend(1201)).toBe(false);
    expect(cc.available()).toBe(1200);
  });

  it('slow start grows the window by the bytes acknowledged (§7.3.1)', () => {
    const cc = new NewReno();
    const sent = fill(cc, 0, 10);
    cc.onPacketsAcked(100, sent, rtt);
    expect(cc.window).toBe(24_000);
    expect(cc.bytesInFlight).toBe(0);
  });

  it('a loss halves the window once per recovery period (§7.3.2, B.6)', () => {
    const cc = new NewReno();
    const sent = fill(cc, 0, 10);
    cc.onPacketsLost(50, [sent[0]!]);
    expect(cc.slowStartThreshold).toBe(6000);
    expect(cc.window).toBe(6000);
    // Another loss of a packet sent before recovery started: no reaction.
    cc.onPacketsLost(60, [sent[1]!]);
    expect(cc.window).toBe(6000);
    // ACKs of packets sent before recovery do not grow the window.
    cc.onPacketsAcked(70, sent.slice(2, 5), rtt);
    expect(cc.window).toBe(6000);
    expect(cc.inRecovery(50)).toBe(true);
    expect(cc.inRecovery(51)).toBe(false);
    // A loss of a packet sent after recovery started is a new congestion event.
    cc.onPacketSent(80, 1200);
    cc.onPacketsLost(200, [pkt(80)]);
    expect(cc.window).toBe(3000);
  });

  it('the window never drops below the minimum window', () => {
    const cc = new NewReno();
    let now = 0;
    for (let i = 0; i < 10; i++) {
      now += 10;
      cc.onPacketSent(now, 1200);
      cc.onPacketsLost(now + 5, [pkt(now)]);
    }
    expect(cc.window).toBe(2400);
  });

  it('congestion avoidance adds about one datagram per window acknowledged (§7.3.3)', () => {
    const cc = new NewReno();
    const first = fill(cc, 0, 10);
    cc.onPacketsLost(10, [first[0]!]); // window 6000, ssthresh 6000
    cc.onPacketsAcked(11, first.slice(1), rtt);
    expect(cc.bytesInFlight).toBe(0);
    const before = cc.window;
    // One full window (5 packets) sent after recovery, all acknowledged.
    const round = fill(cc, 20, 5);
    cc.onPacketsAcked(120, round, rtt);
    const growth = cc.window - before;
    expect(growth).toBeGreaterThan(1000);
    expect(growth).toBeLessThanOrEqual(1200);
  });

  it('persistent congestion collapses to the minimum window and leaves recovery (§7.6.2)', () => {
    const cc = new NewReno();
    const sent = fill(cc, 0, 10);
    cc.onPacketsLost(500, sent.slice(0, 5));
    cc.onPersistentCongestion(500);
    expect(cc.window).toBe(2400);
    expect(cc.inRecovery(0)).toBe(false);
    // Slow start again below ssthresh (6000).
    cc.onPacketsAcked(600, sent.slice(5, 6), rtt);
    expect(cc.window).toBe(2400 + 1200);
  });

  it('does not grow while application limited (§7.8)', () => {
    const cc = new NewReno();
    // Only 2 packets in flight with a 12000-byte window: the window is unused.
    const sent = fill(cc, 0, 2);
    cc.onPacketsAcked(100, sent, rtt);
    expect(cc.window).toBe(12_000);
    expect(cc.bytesInFlight).toBe(0);
    // Using at least half the window in slow start counts as window limited.
    const more = fill(cc, 100, 5);
    cc.onPacketsAcked(200, more, rtt);
    expect(cc.window).toBe(18_000);
  });

  it('packets not in flight and discarded packets do not change the window', () => {
    const cc = new NewReno();
    fill(cc, 0, 10);
    cc.onPacketsAcked(10, [{ size: 1200, timeSent: 0, inFlight: false }], rtt);
    expect(cc.bytesInFlight).toBe(12_000);
    cc.onPacketsDiscarded(2400);
    expect(cc.bytesInFlight).toBe(9600);
    expect(cc.window).toBe(12_000);
    cc.onPacketsDiscarded(1_000_000);
    expect(cc.bytesInFlight).toBe(0);
  });

  it('an ECN congestion event reduces like a loss (B.6, B.7)', () => {
    const cc = new NewReno();
    fill(cc, 0, 10);
    cc.onCongestionEvent(10, 0);
    expect(cc.window).toBe(6000);
    expect(cc.bytesInFlight).toBe(12_000);
  });

  it('pacing rate is 1.25 * cwnd / smoothed_rtt (§7.7)', () => {
    const cc = new NewReno();
    expect(cc.pacingRate(100)).toBeCloseTo((1.25 * 12_000) / 100);
  });
});
