import { describe, expect, it } from 'vitest';
import {
  CUBIC_ALPHA,
  CUBIC_BETA,
  CUBIC_C,
  Cubic,
} from '../../../../quic/recovery/congestion/cubic.js';

const MDS = 1200;
const rttOf = (ms: number) => ({ smoothedRtt: ms, minRtt: ms, latestRtt: ms });
const pkt = (timeSent: number, size = MDS) => ({ size, timeSent, inFlight: true });

/**
 * A window-limited sender: packets are acknowledged one by one `rtt` after
 * they were sent, and after each ACK the sender fills the window again.
 */
class Saturated {
  private readonly queue: { size: number; timeSent: number; inFlight: boolean }[] = [];
  constructor(
    readonly cc: Cubic,
    public now: number,
  ) {
    this.fill();
  }
  /** Packets the application has to send per ACK: Infinity when window limited. */
  appLimit = Number.POSITIVE_INFINITY;
  fill(): void {
    while (this.cc.canSend(MDS) && this.queue.length < this.appLimit) {
      this.cc.onPacketSent(this.now, MDS);
      this.queue.push(pkt(this.now));
    }
  }
  /** Runs for `duration` ms of ACKs at the given RTT. */
  run(duration: number, rtt: number): void {
    const end = this.now + duration;
    while (this.queue.length > 0 && this.queue[0]!.timeSent + rtt <= end) {
      const p = this.queue.shift()!;
      this.now = Math.max(this.now, p.timeSent + rtt);
      this.cc.onPacketsAcked(this.now, [p], rttOf(rtt));
      this.fill();
    }
    this.now = end;
  }
}

describe('CUBIC (RFC 9438)', () => {
  it('uses the RFC constants', () => {
    expect(CUBIC_C).toBe(0.4);
    expect(CUBIC_BETA).toBe(0.7);
    expect(CUBIC_ALPHA).toBeCloseTo((3 * 0.3) / 1.7);
  });

  it('slow start like NewReno, then a reduction to beta * cwnd (§4.6)', () => {
    const cc = new Cubic();
    const sender = new Saturated(cc, 0);
    sender.run(100, 100);
    expect(cc.window).toBe(24_000);
    cc.onPacketsLost(110, [pkt(100)]);
    expect(cc.window).toBe(Math.floor(24_000 * 0.7));
    expect(cc.slowStartThreshold).toBeCloseTo(24_000 * 0.7);
    expect(cc.maxWindowBeforeReduction).toBe(24_000);
  });

  it('fast convergence lowers W_max when the window shrinks below it (§4.7)', () => {
    const cc = new Cubic();
    cc.onPacketSent(0, MDS);
    cc.onPacketsLost(10, [pkt(0)]); // W_max = 12000, cwnd = 8400
    expect(cc.maxWindowBeforeReduction).toBe(12_000);
    cc.onPacketSent(20, MDS);
    cc.onPacketsLost(30, [pkt(20)]); // cwnd 8400 < W_max: W_max = 8400 * 1.7 / 2
    expect(cc.maxWindowBeforeReduction).toBeCloseTo((8400 * 1.7) / 2);
    expect(cc.window).toBe(Math.floor(8400 * 0.7));

    const slow = new Cubic({ fastConvergence: false });
    slow.onPacketSent(0, MDS);
    slow.onPacketsLost(10, [pkt(0)]);
    slow.onPacketSent(20, MDS);
    slow.onPacketsLost(30, [pkt(20)]);
    expect(slow.maxWindowBeforeReduction).toBe(8400);
  });

  /** A saturated sender at W_max = 100 segments, just reduced to 70. */
  function reducedAt100Segments(): Saturated {
    const cc = new Cubic({ initialWindow: 120_000 });
    const sender = new Saturated(cc, 0);
    cc.onCongestionEvent(1, 0); // W_max = 100 segments, cwnd = 70 segments
    // Drain the recovery period: packets sent at 0 are acknowledged at 100,
    // new ones sent then start congestion avoidance when acknowledged at 200.
    sender.run(200, 100);
    return sender;
  }

  it('W_cubic follows C * (t - K)^3 + W_max with K from the reduction (§4.2)', () => {
    const { cc } = reducedAt100Segments();
    const k = Math.cbrt((100 - 70) / 0.4);
    expect(cc.cubicWindow(k)).toBeCloseTo(120_000);
    expect(cc.cubicWindow(0)).toBeCloseTo((0.4 * -(k ** 3) + 100) * MDS);
    expect(cc.cubicWindow(0)).toBeCloseTo(84_000);
  });

  it('grows concavely toward W_max, then convexly beyond it (§4.4, §4.5)', () => {
    const sender = reducedAt100Segments();
    const samples: number[] = [];
    for (let i = 0; i < 120; i++) {
      sender.run(100, 100);
      samples.push(sender.cc.window);
    }
    // Monotone non-decreasing in congestion avoidance without loss.
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]!).toBeGreaterThanOrEqual(samples[i - 1]!);
    }
    // K = cbrt(30 / 0.4) ~ 4.2 s ~ 42 rounds after the epoch: close to W_max.
    expect(Math.abs(samples[41]! - 120_000)).toBeLessThan(0.05 * 120_000);
    expect(samples[30]!).toBeLessThan(120_000);
    expect(samples[119]!).toBeGreaterThan(200_000);
    // Concave: growth per round shrinks as the window nears W_max.
    expect(samples[5]! - samples[0]!).toBeGreaterThan(samples[38]! - samples[33]!);
    // Convex after: growth per round increases again.
    expect(samples[119]! - samples[114]!).toBeGreaterThan(samples[50]! - samples[45]!);
  });

  it('follows W_est at least as fast as Reno in the Reno-friendly region (§4.3)', () => {
    // 1 ms RTT: the cubic curve hardly moves in 20 rounds; W_est adds
    // alpha_cubic segments per round.
    const cc = new Cubic();
    const sender = new Saturated(cc, 0);
    cc.onCongestionEvent(0.5, 0); // 8400
    sender.run(2, 1);
    const start = cc.window;
    for (let i = 0; i < 20; i++) sender.run(1, 1);
    const growth = cc.window - start;
    expect(growth).toBeGreaterThan(18 * CUBIC_ALPHA * MDS);
    expect(growth).toBeLessThan(21 * MDS);
  });

  it('does not grow while application limited, and time spent so is not counted (§5.8)', () => {
    const sender = reducedAt100Segments();
    const { cc } = sender;
    sender.run(500, 100);
    // Application limited: one packet in flight at a time for 10 seconds.
    sender.appLimit = 1;
    sender.run(100, 100); // drains the window-limited packets
    const window = cc.window;
    sender.run(10_000, 100);
    expect(cc.window).toBe(window);
    // Window limited again: growth resumes where the curve was, not 10
    // seconds further on its convex side.
    sender.appLimit = Number.POSITIVE_INFINITY;
    sender.fill();
    sender.run(100, 100);
    expect(cc.window).toBeLessThan(window * 1.05);
  });

  it('persistent congestion collapses to the minimum window and restarts slow start', () => {
    const cc = new Cubic();
    cc.onPacketSent(0, MDS);
    cc.onPacketsLost(1, [pkt(0)]);
    cc.onPersistentCongestion(2);
    expect(cc.window).toBe(2400);
    cc.onPacketSent(3, MDS);
    cc.onPacketsAcked(4, [pkt(3)], rttOf(10));
    expect(cc.window).toBe(3600); // slow start below ssthresh 8400
  });

  it('reduces once per recovery period', () => {
    const cc = new Cubic();
    for (let i = 0; i < 3; i++) cc.onPacketSent(0, MDS);
    cc.onPacketsLost(10, [pkt(0)]);
    cc.onPacketsLost(11, [pkt(0), pkt(5)]);
    expect(cc.window).toBe(8400);
  });
});
