// CUBIC congestion control (RFC 9438) on top of RFC 9002's window
// bookkeeping: slow start as in NewReno, then a cubic window growth function
// around W_max, a Reno-friendly region, fast convergence, and a
// multiplicative decrease of beta_cubic = 0.7.
//
// The cubic function works in segments (max_datagram_size) and seconds as
// RFC 9438 writes it; the window itself stays in bytes.

import type { CongestionOptions, RttView } from './congestion-controller.js';
import { WindowCongestionController } from './congestion-controller.js';

/** RFC 9438 §4.1.1, §5: the aggressiveness constant C, 0.4 (segments per second^3). */
export const CUBIC_C = 0.4;
/** RFC 9438 §4.6: beta_cubic SHOULD be set to 0.7. */
export const CUBIC_BETA = 0.7;
/** RFC 9438 §4.3: alpha_cubic = 3 * (1 - beta_cubic) / (1 + beta_cubic). */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

export interface CubicOptions extends CongestionOptions {
  /** RFC 9438 §4.7: fast convergence, on by default. */
  fastConvergence?: boolean;
}

export class Cubic extends WindowCongestionController {
  readonly name = 'cubic';
  private readonly fastConvergence: boolean;
  /** RFC 9438 §4.1: W_max, bytes; undefined before the first congestion event. */
  private wMax: number | undefined = undefined;
  /** RFC 9438 §4.3: cwnd_prior, the window before the last reduction, bytes. */
  private cwndPrior = 0;
  /** RFC 9438 §4.2: t_epoch, ms; undefined until congestion avoidance starts. */
  private epochStart: number | undefined = undefined;
  /** RFC 9438 §4.2: K, seconds. */
  private k = 0;
  /** RFC 9438 §4.3: W_est, the Reno-friendly window estimate, bytes. */
  private wEst = 0;
  private lastAckTime: number | undefined = undefined;

  constructor(options: CubicOptions = {}) {
    super(options);
    this.fastConvergence = options.fastConvergence ?? true;
  }

  /** W_max in bytes (undefined before any congestion event), for inspection. */
  get maxWindowBeforeReduction(): number | undefined {
    return this.wMax;
  }

  /** RFC 9438 §4.2 Figure 1: W_cubic(t) = C * (t - K)^3 + W_max, in bytes. */
  cubicWindow(elapsedSeconds: number): number {
    const wMaxSegments = (this.wMax ?? this.cwnd) / this.mds;
    const d = elapsedSeconds - this.k;
    return (CUBIC_C * d * d * d + wMaxSegments) * this.mds;
  }

  override onPacketsAcked(
    now: number,
    packets: readonly { size: number; timeSent: number; inFlight: boolean }[],
    rtt: RttView,
  ): void {
    super.onPacketsAcked(now, packets, rtt);
    this.lastAckTime = now;
  }

  protected increaseWindow(now: number, bytes: number, rtt: RttView): void {
    if (this.epochStart === undefined) this.startEpoch(now);
    const t = (now - this.epochStart!) / 1000;
    const rttSeconds = rtt.smoothedRtt / 1000;

    // RFC 9438 §4.3: W_est grows by alpha_cubic segments per window
    // acknowledged; once W_est >= cwnd_prior, alpha_cubic SHOULD be 1.
    const alpha = this.wEst >= this.cwndPrior ? 1 : CUBIC_ALPHA;
    this.wEst += (alpha * this.mds * bytes) / this.cwnd;

    if (this.cubicWindow(t) < this.wEst) {
      // RFC 9438 §4.3: If W_cubic(t) is less than W_est, CUBIC is in the
      // Reno-friendly region and cwnd SHOULD be set to W_est.
      this.cwnd = Math.max(this.cwnd, this.wEst);
      return;
    }
    // RFC 9438 §4.4/§4.5: target = W_cubic(t + RTT) bounded to
    // [cwnd, 1.5 * cwnd]; cwnd grows by (target - cwnd) / cwnd per segment.
    const target = Math.min(Math.max(this.cubicWindow(t + rttSeconds), this.cwnd), 1.5 * this.cwnd);
    this.cwnd += ((target - this.cwnd) * bytes) / this.cwnd;
  }

  protected reduceWindow(): void {
    this.cwndPrior = this.cwnd;
    // RFC 9438 §4.7: with fast convergence, when cwnd < W_max a flow releases
    // bandwidth: W_max = cwnd * (1 + beta_cubic) / 2.
    if (this.fastConvergence && this.wMax !== undefined && this.cwnd < this.wMax) {
      this.wMax = (this.cwnd * (1 + CUBIC_BETA)) / 2;
    } else {
      this.wMax = this.cwnd;
    }
    // RFC 9438 §4.6: ssthresh = cwnd * beta_cubic, at least the minimum
    // window (RFC 9002 §7.2: kMinimumWindow); cwnd = ssthresh.
    this.ssthresh = Math.max(this.cwnd * CUBIC_BETA, this.minimumWindow);
    this.cwnd = this.ssthresh;
    this.epochStart = undefined;
  }

  protected override onApplicationLimitedAck(now: number): void {
    // RFC 9438 §5.8: the time an application-limited flow does not use its
    // window is not counted in t, so the cubic curve does not run ahead.
    if (this.epochStart !== undefined && this.lastAckTime !== undefined) {
      this.epochStart += Math.max(0, now - this.lastAckTime);
    }
  }

  protected override onWindowCollapsed(): void {
    // RFC 9438 §4.8: after a timeout (persistent congestion) the epoch restarts.
    this.epochStart = undefined;
  }

  private startEpoch(now: number): void {
    this.epochStart = now;
    this.wEst = this.cwnd;
    if (this.wMax === undefined || this.wMax <= this.cwnd) {
      // RFC 9438 §4.2: congestion avoidance started without a preceding
      // reduction below W_max (e.g. slow start ended): K = 0, W_max = cwnd.
      this.wMax = this.cwnd;
      this.k = 0;
    } else {
      // RFC 9438 §4.2 Figure 2: K = cubic_root((W_max - cwnd_epoch) / C).
      this.k = Math.cbrt((this.wMax - this.cwnd) / this.mds / CUBIC_C);
    }
  }
}
