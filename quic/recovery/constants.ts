// Loss detection and congestion control constants (RFC 9002 Appendix A.2 and
// B.1). Times are milliseconds, sizes are bytes.

/** RFC 9002 §6.1.1: The RECOMMENDED initial value for the packet reordering threshold is 3. */
export const K_PACKET_THRESHOLD = 3;

/** RFC 9002 §6.1.2: The RECOMMENDED time threshold (kTimeThreshold) is 9/8. */
export const K_TIME_THRESHOLD = 9 / 8;

/** RFC 9002 §6.1.2: The RECOMMENDED value of the timer granularity (kGranularity) is 1 ms. */
export const K_GRANULARITY = 1;

/** RFC 9002 §6.2.2: When no previous RTT is available, the initial RTT SHOULD be set to 333 ms. */
export const K_INITIAL_RTT = 333;

/** RFC 9002 §7.6.1: The RECOMMENDED value for kPersistentCongestionThreshold is 3. */
export const K_PERSISTENT_CONGESTION_THRESHOLD = 3;

/** RFC 9002 §7.3.2: The RECOMMENDED value (kLossReductionFactor) is 0.5. */
export const K_LOSS_REDUCTION_FACTOR = 0.5;

/** RFC 9000 §14: the smallest maximum datagram size every path must support. */
export const MIN_MAX_DATAGRAM_SIZE = 1200;

/** RFC 9000 §18.2: max_ack_delay defaults to 25 ms when the parameter is absent. */
export const DEFAULT_MAX_ACK_DELAY = 25;

/** RFC 9000 §18.2: ack_delay_exponent defaults to 3 when the parameter is absent. */
export const DEFAULT_ACK_DELAY_EXPONENT = 3;

/**
 * RFC 9002 §7.2: Endpoints SHOULD use an initial congestion window of ten
 * times the maximum datagram size, while limiting the window to the larger of
 * 14,720 bytes or twice the maximum datagram size.
 */
export function initialWindow(maxDatagramSize: number): number {
  return Math.min(10 * maxDatagramSize, Math.max(14_720, 2 * maxDatagramSize));
}

/** RFC 9002 §7.2: The RECOMMENDED value (kMinimumWindow) is 2 * max_datagram_size. */
export function minimumWindow(maxDatagramSize: number): number {
  return 2 * maxDatagramSize;
}
