import { describe, expect, it } from 'vitest';
import { K_INITIAL_RTT } from '../../../quic/recovery/constants.js';
import { RttEstimator } from '../../../quic/recovery/rtt-estimator.js';

const confirmed = { handshakeConfirmed: true, maxAckDelay: 25 };
const unconfirmed = { handshakeConfirmed: false, maxAckDelay: 25 };

describe('RttEstimator (RFC 9002 §5)', () => {
  it('starts from kInitialRtt = 333 ms, rttvar = initial / 2 (§5.3, §6.2.2)', () => {
    const rtt = new RttEstimator();
    expect(K_INITIAL_RTT).toBe(333);
    expect(rtt.smoothedRtt).toBe(333);
    expect(rtt.rttvar).toBe(166.5);
    expect(rtt.hasSample).toBe(false);
    // §6.2.2: a handshake starts with a PTO of about 1 second.
    expect(rtt.ptoBase()).toBe(333 + 4 * 166.5);
  });

  it('accepts a configured initial RTT and rejects nonsense', () => {
    expect(new RttEstimator(100).smoothedRtt).toBe(100);
    expect(() => new RttEstimator(0)).toThrow(TypeError);
    expect(() => new RttEstimator(Number.NaN)).toThrow(/initialRtt/);
  });

  it('the first sample resets the estimator, ignoring ack delay (§5.3)', () => {
    const rtt = new RttEstimator();
    rtt.onSample(1000, 100, 20, confirmed);
    expect(rtt.latestRtt).toBe(100);
    expect(rtt.minRtt).toBe(100);
    expect(rtt.smoothedRtt).toBe(100);
    expect(rtt.rttvar).toBe(50);
    expect(rtt.firstSampleTime).toBe(1000);
  });

  it('subtracts a plausible ack delay and updates the EWMA (§5.3)', () => {
    const rtt = new RttEstimator();
    rtt.onSample(0, 100, 0, confirmed);
    rtt.onSample(10, 130, 20, confirmed);
    // adjusted = 130 - 20 = 110 (130 >= min 100 + 20)
    expect(rtt.rttvar).toBeCloseTo(0.75 * 50 + 0.25 * 10);
    expect(rtt.smoothedRtt).toBeCloseTo(0.875 * 100 + 0.125 * 110);
    expect(rtt.minRtt).toBe(100);
  });

  it('never subtracts ack delay below min_rtt (§5.3 MUST NOT)', () => {
    const rtt = new RttEstimator();
    rtt.onSample(0, 100, 0, confirmed);
    rtt.onSample(10, 110, 20, confirmed); // 110 < 100 + 20: no adjustment
    expect(rtt.smoothedRtt).toBeCloseTo(0.875 * 100 + 0.125 * 110);
  });

  it('caps ack delay by max_ack_delay only after handshake confirmation (§5.3)', () => {
    const capped = new RttEstimator();
    capped.onSample(0, 50, 0, confirmed);
    capped.onSample(10, 300, 200, confirmed); // min(200, 25) = 25 -> adjusted 275
    expect(capped.smoothedRtt).toBeCloseTo(0.875 * 50 + 0.125 * 275);

    const uncapped = new RttEstimator();
    uncapped.onSample(0, 50, 0, unconfirmed);
    uncapped.onSample(10, 300, 200, unconfirmed); // full 200 -> adjusted 100
    expect(uncapped.smoothedRtt).toBeCloseTo(0.875 * 50 + 0.125 * 100);
  });

  it('ignores ack delay for Initial packets (§5.3 MAY)', () => {
    const rtt = new RttEstimator();
    rtt.onSample(0, 50, 0, unconfirmed);
    rtt.onSample(10, 100, 40, { ...unconfirmed, ignoreAckDelay: true });
    expect(rtt.smoothedRtt).toBeCloseTo(0.875 * 50 + 0.125 * 100);
  });

  it('min_rtt ignores ack delay and tracks the minimum (§5.2)', () => {
    const rtt = new RttEstimator();
    rtt.onSample(0, 80, 0, confirmed);
    rtt.onSample(1, 60, 50, confirmed);
    rtt.onSample(2, 90, 0, confirmed);
    expect(rtt.minRtt).toBe(60);
    expect(rtt.latestRtt).toBe(90);
  });

  it('rejects negative or non-finite samples without changing state', () => {
    const rtt = new RttEstimator();
    expect(rtt.onSample(0, -1, 0, confirmed)).toBe(false);
    expect(rtt.onSample(0, Number.POSITIVE_INFINITY, 0, confirmed)).toBe(false);
    expect(rtt.hasSample).toBe(false);
    expect(rtt.smoothedRtt).toBe(333);
  });

  it('treats a negative or NaN ack delay as zero', () => {
    const rtt = new RttEstimator();
    rtt.onSample(0, 100, 0, confirmed);
    rtt.onSample(1, 100, -50, confirmed);
    rtt.onSample(2, 100, Number.NaN, confirmed);
    expect(rtt.smoothedRtt).toBeCloseTo(100);
  });

  it('PTO base and loss delay have a floor of kGranularity (§6.1.2, §6.2.1)', () => {
    const rtt = new RttEstimator();
    rtt.onSample(0, 0, 0, confirmed);
    expect(rtt.ptoBase()).toBe(1);
    expect(rtt.lossDelay(9 / 8)).toBe(1);
    rtt.onSample(1, 80, 0, confirmed);
    expect(rtt.lossDelay(9 / 8)).toBeCloseTo((9 / 8) * Math.max(rtt.latestRtt, rtt.smoothedRtt));
  });

  it('reset returns to the initial RTT (RFC 9000 §9.4 new path)', () => {
    const rtt = new RttEstimator(200);
    rtt.onSample(0, 50, 0, confirmed);
    rtt.reset();
    expect(rtt.smoothedRtt).toBe(200);
    expect(rtt.hasSample).toBe(false);
  });
});
