// NewReno congestion control as specified by RFC 9002 §7 and Appendix B:
// slow start, congestion avoidance of one datagram per window acknowledged,
// and a halving of the window once per recovery period.

import { K_LOSS_REDUCTION_FACTOR } from '../constants.js';
import { type CongestionOptions, WindowCongestionController } from './congestion-controller.js';

export class NewReno extends WindowCongestionController {
  readonly name = 'newreno';

  constructor(options: CongestionOptions = {}) {
    super(options);
  }

  protected increaseWindow(_now: number, bytes: number): void {
    // RFC 9002 §7.3.3: A sender in congestion avoidance uses an Additive
    // Increase Multiplicative Decrease (AIMD) approach that MUST limit the
    // increase to the congestion window to at most one maximum datagram size
    // for each congestion window that is acknowledged.
    this.cwnd += (this.mds * bytes) / this.cwnd;
  }

  protected reduceWindow(): void {
    // RFC 9002 Appendix B.6: ssthresh = congestion_window *
    // kLossReductionFactor; congestion_window = max(ssthresh, kMinimumWindow).
    this.ssthresh = this.cwnd * K_LOSS_REDUCTION_FACTOR;
    this.cwnd = Math.max(this.ssthresh, this.minimumWindow);
  }
}
