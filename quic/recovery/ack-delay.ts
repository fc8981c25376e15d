// The ACK Delay field (RFC 9000 §19.3): microseconds scaled by
// 2^ack_delay_exponent. The receiver of an ACK decodes with the exponent its
// peer sent; the sender of an ACK encodes with its own.

/** RFC 9000 §18.2: Values above 20 are invalid. */
export const MAX_ACK_DELAY_EXPONENT = 20;

/**
 * RFC 9000 §19.3: ACK Delay is decoded by multiplying the value in the field
 * by 2 to the power of the ack_delay_exponent transport parameter sent by
 * the sender of the ACK frame. Returns milliseconds (may be fractional; may
 * be huge: the RTT estimator bounds its effect, RFC 9002 §5.3).
 */
export function decodeAckDelay(field: number | bigint, exponent: number): number {
  checkExponent(exponent);
  const micros = Number(field) * 2 ** exponent;
  return micros / 1000;
}

/** The ACK Delay field for a delay in integer microseconds. */
export function encodeAckDelay(micros: number, exponent: number): number {
  checkExponent(exponent);
  if (!(Number.isFinite(micros) && micros >= 0)) return 0;
  return Math.floor(micros / 2 ** exponent);
}

function checkExponent(exponent: number): void {
  if (!(Number.isInteger(exponent) && exponent >= 0 && exponent <= MAX_ACK_DELAY_EXPONENT)) {
    throw new TypeError(`ack_delay_exponent must be an integer in [0, 20], got ${exponent}`);
  }
}
