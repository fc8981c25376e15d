import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import { LossRecovery, type LossRecoveryOptions } from '../../../quic/recovery/loss-recovery.js';
import { PacketNumberSpace } from '../../../quic/recovery/packet-number-space.js';

const { Initial, Handshake, ApplicationData } = PacketNumberSpace;
type Recovery = LossRecovery<string>;

function make(options: Partial<LossRecoveryOptions> = {}): Recovery {
  return new LossRecovery<string>({ isServer: true, congestionControl: 'newreno', ...options });
}

function send(
  r: Recovery,
  now: number,
  space: PacketNumberSpace,
  size = 1200,
  ackEliciting = true,
  inFlight = true,
): number {
  const packetNumber = r.nextPacketNumber(space);
  r.onPacketSent(now, {
    space,
    packetNumber,
    size,
    ackEliciting,
    inFlight,
    payload: `${space}:${packetNumber}`,
  });
  return packetNumber;
}

const ack = (ranges: [number, number][], ackDelay = 0) => ({ ranges, ackDelay });
/** The PTO base with the initial RTT: 333 + 4 * 166.5 = 999 ms. */
const INITIAL_PTO = 999;

describe('LossRecovery: RTT samples (RFC 9002 §5)', () => {
  it('samples when the largest acknowledged is newly acked and ack-eliciting (§5.1)', () => {
    const r = make();
    send(r, 0, ApplicationData);
    send(r, 10, ApplicationData);
    const first = r.onAckReceived(100, ApplicationData, ack([[1, 1]]));
    expect(first.rttSampled).toBe(true);
    expect(r.rtt.latestRtt).toBe(90);
    // Largest (1) already acknowledged: packet 0 is newly acked but no sample.
    const second = r.onAckReceived(200, ApplicationData, ack([[0, 1]]));
    expect(second.acked.map((p) => p.packetNumber)).toEqual([0]);
    expect(second.rttSampled).toBe(false);
    expect(r.rtt.latestRtt).toBe(90);
  });

  it('does not sample when only non-ack-eliciting packets are newly acked', () => {
    const r = make();
    send(r, 0, ApplicationData, 50, false, false);
    const outcome = r.onAckReceived(100, ApplicationData, ack([[0, 0]]));
    expect(outcome.acked).toHaveLength(1);
    expect(outcome.rttSampled).toBe(false);
    expect(r.rtt.hasSample).toBe(false);
  });

  it('uses ack delay (capped by max_ack_delay once confirmed) for Application Data', () => {
    const r = make({ maxAckDelay: 25 });
    r.setHandshakeConfirmed(0);
    send(r, 0, ApplicationData);
    r.onAckReceived(100, ApplicationData, ack([[0, 0]]));
    send(r, 100, ApplicationData);
    r.onAckReceived(240, ApplicationData, ack([[1, 1]], 40)); // 140 - min(40, 25) = 115
    expect(r.rtt.smoothedRtt).toBeCloseTo(0.875 * 100 + 0.125 * 115);
  });

  it('ignores ack delay for Initial packets (§5.3)', () => {
    const r = make();
    send(r, 0, Initial);
    r.onAckReceived(100, Initial, ack([[0, 0]]));
    send(r, 100, Initial);
    r.onAckReceived(250, Initial, ack([[1, 1]], 40));
    expect(r.rtt.smoothedRtt).toBeCloseTo(0.875 * 100 + 0.125 * 150);
  });
});

describe('LossRecovery: loss detection (RFC 9002 §6.1)', () => {
  it('declares loss by packet threshold and reduces the window', () => {
    const r = make();
    for (let i = 0; i < 5; i++) send(r, i, ApplicationData);
    const outcome = r.onAckReceived(100, ApplicationData, ack([[4, 4]]));
    expect(outcome.lost.map((p) => p.packetNumber)).toEqual([0, 1]);
    expect(outcome.lost.map((p) => p.payload)).toEqual(['2:0', '2:1']);
    expect(r.congestion.window).toBe(6000);
    expect(r.bytesInFlight).toBe(2 * 1200); // 2 and 3 still outstanding
    expect(r.stats.packetsLost).toBe(2);
  });

  it('arms the loss timer for the time threshold and declares loss when it fires', () => {
    const r = make();
    send(r, 0, ApplicationData);
    send(r, 10, ApplicationData);
    r.onAckReceived(110, ApplicationData, ack([[1, 1]]));
    // latest = smoothed = 100: loss delay 112.5, packet 0 lost at 112.5.
    expect(r.lossDetectionTimer).toBe(112.5);
    expect(r.onLossDetectionTimeout(112)).toEqual({ kind: 'none' });
    const fired = r.onLossDetectionTimeout(112.5);
    expect(fired.kind).toBe('loss');
    if (fired.kind !== 'loss') return;
    expect(fired.space).toBe(ApplicationData);
    expect(fired.lost.map((p) => p.packetNumber)).toEqual([0]);
    expect(r.bytesInFlight).toBe(0);
    expect(r.lossDetectionTimer).toBeUndefined();
  });

  it('an ACK of a skipped packet number is PROTOCOL_VIOLATION and never grows the window', () => {
    const zeros = (n: number) => new Uint8Array(n);
    const r = make({ random: zeros }); // skip distance 32
    for (let i = 0; i < 40; i++) send(r, i, ApplicationData);
    const skipped = r.space(ApplicationData).skippedPacketNumbers();
    expect(skipped).toEqual([32]);
    const window = r.congestion.window;
    const inFlight = r.bytesInFlight;
    try {
      r.onAckReceived(100, ApplicationData, ack([[0, 40]]));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).code).toBe(TransportErrorCode.PROTOCOL_VIOLATION);
    }
    expect(r.congestion.window).toBe(window);
    expect(r.bytesInFlight).toBe(inFlight);
    expect(r.rtt.hasSample).toBe(false);
  });

  it('an ACK of a packet number above the largest sent is PROTOCOL_VIOLATION', () => {
    const r = make();
    send(r, 0, Handshake);
    expect(() => r.onAckReceived(10, Handshake, ack([[0, 1]]))).toThrow(TransportError);
    expect(() => r.onAckReceived(10, ApplicationData, ack([[0, 0]]))).toThrow(/unsent/);
  });

  it('an ECN-CE increase is a congestion event (Appendix B.7)', () => {
    const r = make();
    for (let i = 0; i < 4; i++) send(r, i, ApplicationData);
    r.onAckReceived(100, ApplicationData, { ranges: [[0, 0]], ackDelay: 0, ecnCe: 1 });
    expect(r.congestion.window).toBe(6000);
    r.onAckReceived(101, ApplicationData, { ranges: [[0, 1]], ackDelay: 0, ecnCe: 1 });
    expect(r.congestion.window).toBe(6000);
  });
});

describe('LossRecovery: PTO (RFC 9002 §6.2)', () => {
  it('computes PTO from the initial RTT without max_ack_delay for Initial/Handshake', () => {
    const r = make();
    expect(r.ptoPeriod(Initial)).toBe(INITIAL_PTO);
    expect(r.ptoPeriod(ApplicationData)).toBe(INITIAL_PTO + 25);
    send(r, 0, Initial);
    expect(r.lossDetectionTimer).toBe(INITIAL_PTO);
    send(r, 10, Handshake);
    // The earlier of the spaces wins (§6.2.1).
    expect(r.lossDetectionTimer).toBe(INITIAL_PTO);
  });

  it('probes the space whose PTO expires first, Initial before Handshake', () => {
    const r = make({ isServer: false });
    send(r, 0, Initial);
    send(r, 10, Handshake);
    expect(r.onLossDetectionTimeout(INITIAL_PTO)).toEqual({
      kind: 'probe',
      space: Initial,
      packets: 2,
    });
    // Initial keys dropped: the Handshake PTO with the backoff reset.
    r.discardSpace(INITIAL_PTO + 1, Initial);
    expect(r.lossDetectionTimer).toBe(10 + INITIAL_PTO);
    expect(r.onLossDetectionTimeout(10 + INITIAL_PTO)).toEqual({
      kind: 'probe',
      space: Handshake,
      packets: 2,
    });
  });

  it('does not arm Application Data PTO before the handshake is confirmed (§6.2.1)', () => {
    const r = make();
    send(r, 0, ApplicationData);
    expect(r.lossDetectionTimer).toBeUndefined();
    r.setHandshakeConfirmed(5);
    expect(r.lossDetectionTimer).toBe(INITIAL_PTO + 25);
  });

  it('backs off exponentially and resets on an ACK (§6.2.1)', () => {
    const r = make();
    r.setHandshakeConfirmed(0);
    send(r, 0, ApplicationData);
    send(r, 0, ApplicationData);
    const period = INITIAL_PTO + 25;
    expect(r.lossDetectionTimer).toBe(period);
    expect(r.onLossDetectionTimeout(period - 1)).toEqual({ kind: 'none' });
    expect(r.onLossDetectionTimeout(period)).toEqual({
      kind: 'probe',
      space: ApplicationData,
      packets: 2,
    });
    expect(r.ptoCount).toBe(1);
    expect(r.lossDetectionTimer).toBe(2 * period);
    send(r, period, ApplicationData); // probe
    expect(r.lossDetectionTimer).toBe(period + 2 * period);
    r.onLossDetectionTimeout(3 * period);
    expect(r.ptoCount).toBe(2);
    send(r, 3 * period, ApplicationData);
    expect(r.lossDetectionTimer).toBe(3 * period + 4 * period);
    expect(r.stats.ptoFired).toBe(2);
    // PTO alone declares nothing lost.
    expect(r.stats.packetsLost).toBe(0);
    r.onAckReceived(3 * period + 50, ApplicationData, ack([[3, 3]]));
    expect(r.ptoCount).toBe(0);
  });

  it('a client does not reset the backoff on Initial ACKs before address validation', () => {
    const r = make({ isServer: false });
    send(r, 0, Initial);
    send(r, 0, Initial);
    r.onLossDetectionTimeout(INITIAL_PTO);
    expect(r.ptoCount).toBe(1);
    r.onAckReceived(1000, Initial, ack([[0, 0]]));
    expect(r.ptoCount).toBe(1);
    send(r, 1000, Handshake);
    r.onAckReceived(1100, Handshake, ack([[0, 0]]));
    expect(r.peerCompletedAddressValidation()).toBe(true);
    expect(r.ptoCount).toBe(0);
  });

  it('a client arms the anti-deadlock PTO with nothing in flight (§6.2.2.1)', () => {
    const r = make({ isServer: false });
    send(r, 0, Initial);
    r.onAckReceived(100, Initial, ack([[0, 0]])); // RTT 100: PTO 300
    expect(r.bytesInFlight).toBe(0);
    expect(r.lossDetectionTimer).toBe(100 + 300);
    expect(r.onLossDetectionTimeout(400)).toEqual({
      kind: 'anti-deadlock',
      space: Initial,
      packets: 1,
    });
    expect(r.ptoCount).toBe(1);
    expect(r.lossDetectionTimer).toBe(400 + 600);
    r.setHandshakeKeysAvailable(500);
    expect(r.onLossDetectionTimeout(1100)).toEqual({
      kind: 'anti-deadlock',
      space: Handshake,
      packets: 1,
    });
    // Once the server acknowledged a Handshake packet, no timer with nothing in flight.
    send(r, 1200, Handshake);
    r.onAckReceived(1300, Handshake, ack([[0, 0]]));
    expect(r.lossDetectionTimer).toBeUndefined();
  });

  it('a server never arms an anti-deadlock timer', () => {
    const r = make();
    send(r, 0, Initial);
    r.onAckReceived(100, Initial, ack([[0, 0]]));
    expect(r.lossDetectionTimer).toBeUndefined();
  });

  it('a server blocked by the amplification limit does not arm its PTO (§6.2.2.1)', () => {
    const r = make();
    send(r, 0, Initial);
    r.setAmplificationBlocked(1, true);
    expect(r.lossDetectionTimer).toBeUndefined();
    expect(r.onLossDetectionTimeout(5000)).toEqual({ kind: 'none' });
    // A datagram arrives: unblocked, the timer is re-armed in the past and fires at once.
    r.setAmplificationBlocked(5000, false);
    expect(r.lossDetectionTimer).toBe(INITIAL_PTO);
    expect(r.onLossDetectionTimeout(5000)).toMatchObject({ kind: 'probe', space: Initial });
  });
});

describe('LossRecovery: discarding a packet number space (RFC 9002 §6.4)', () => {
  it('removes its packets from flight without declaring loss and resets the timers', () => {
    const r = make({ isServer: false });
    send(r, 0, Initial);
    send(r, 0, Initial);
    send(r, 50, Handshake);
    r.onLossDetectionTimeout(INITIAL_PTO);
    expect(r.ptoCount).toBe(1);
    expect(r.bytesInFlight).toBe(3600);
    const discarded = r.discardSpace(60, Initial);
    expect(discarded.map((p) => p.payload)).toEqual(['0:0', '0:1']);
    expect(r.bytesInFlight).toBe(1200);
    expect(r.stats.packetsLost).toBe(0);
    expect(r.congestion.window).toBe(12_000);
    expect(r.ptoCount).toBe(0);
    expect(r.lossDetectionTimer).toBe(50 + INITIAL_PTO);
    expect(() => r.discardSpace(60, ApplicationData)).toThrow(TypeError);
  });

  it('onRetry resets recovery state and returns outstanding packets, numbers keep growing', () => {
    const r = make({ isServer: false });
    send(r, 0, Initial);
    send(r, 0, ApplicationData); // 0-RTT
    const outstanding = r.onRetry(100);
    expect(outstanding.map((p) => p.payload)).toEqual(['0:0', '2:0']);
    expect(r.bytesInFlight).toBe(0);
    expect(r.nextPacketNumber(Initial)).toBe(1);
    expect(r.rtt.smoothedRtt).toBe(333);
  });
});

describe('LossRecovery: persistent congestion (RFC 9002 §7.6)', () => {
  /**
   * RFC 9002 §7.6.3 example, in ms: smoothed_rtt + max(4*rttvar,
   * kGranularity) + max_ack_delay = 2 and kPersistentCongestionThreshold = 3.
   * Packet #n of the example has packet number n - 1. An RTT sample exists
   * before t = 0 (a Handshake round trip), as the example presumes.
   */
  function example(extraAcked: [number, number][] = []) {
    const r = make({ maxAckDelay: 0 });
    send(r, -20, Handshake);
    r.onAckReceived(-19, Handshake, ack([[0, 0]]));
    r.discardSpace(-18, Handshake);
    r.setHandshakeConfirmed(-18);
    const setRtt = () => {
      // smoothed 0.2 + max(4 * 0.45, 1) + 0 = 2
      r.rtt.smoothedRtt = 0.2;
      r.rtt.rttvar = 0.45;
    };
    setRtt();
    send(r, 0, ApplicationData); // #1
    send(r, 1, ApplicationData); // #2
    r.onAckReceived(1.2, ApplicationData, ack([[0, 0]])); // ack #1
    setRtt();
    for (let t = 2; t <= 6; t++) send(r, t, ApplicationData); // #3..#7
    expect(r.persistentCongestionDuration()).toBe(6);
    expect(r.lossDetectionTimer).toBe(8);
    expect(r.onLossDetectionTimeout(8).kind).toBe('probe');
    send(r, 8, ApplicationData); // #8 (PTO 1)
    expect(r.lossDetectionTimer).toBe(12);
    expect(r.onLossDetectionTimeout(12).kind).toBe('probe');
    send(r, 12, ApplicationData); // #9 (PTO 2)
    return { r, outcome: r.onAckReceived(12.2, ApplicationData, ack([[8, 8], ...extraAcked])) };
  }

  it('declares persistent congestion for the §7.6.3 example and collapses the window', () => {
    const { r, outcome } = example();
    expect(outcome.lost.map((p) => p.packetNumber)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(outcome.persistentCongestion).toBe(true);
    // Appendix A.7 order: losses first (window to kMinimumWindow, recovery
    // period cleared), then the ACK of #9 grows it again in slow start.
    expect(r.congestion.window).toBe(2400 + 1200);
    expect(r.congestion.slowStartThreshold).toBe(6000);
    expect(r.stats.persistentCongestionEvents).toBe(1);
  });

  it('does not when a packet between the lost ones was acknowledged', () => {
    const { r, outcome } = example([[4, 4]]); // #5 acknowledged
    expect(outcome.lost.map((p) => p.packetNumber)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(outcome.persistentCongestion).toBe(false);
    expect(r.congestion.window).toBe(6000);
  });

  it('does not before any RTT sample (§7.6.2)', () => {
    const r = make({ maxAckDelay: 0 });
    r.setHandshakeConfirmed(0);
    for (let t = 0; t < 10; t++) send(r, t * 1000, ApplicationData);
    const outcome = r.onAckReceived(10_000, ApplicationData, ack([[9, 9]]));
    expect(outcome.lost).toHaveLength(9);
    expect(outcome.persistentCongestion).toBe(false);
  });
});

describe('LossRecovery: pacing and sending', () => {
  it('lets the initial burst go at once, then paces at 1.25 * cwnd / srtt (§7.7)', () => {
    const r = make({ isServer: true });
    let now = 0;
    for (let i = 0; i < 10; i++) {
      expect(r.nextSendTime(now, 1200)).toBe(now);
      send(r, now, ApplicationData);
    }
    const next = r.nextSendTime(now, 1200);
    const rate = (1.25 * 12_000) / 333;
    expect(next).toBeCloseTo(now + 1200 / rate);
    now = next;
    expect(r.nextSendTime(now, 1200)).toBe(now);
    expect(r.canSend(1200)).toBe(false); // window full
  });

  it('ACK-only packets neither count in flight nor consume pacing tokens', () => {
    const r = make();
    send(r, 0, ApplicationData, 40, false, false);
    expect(r.bytesInFlight).toBe(0);
    expect(r.pacer.availableTokens).toBe(12_000);
    expect(r.lossDetectionTimer).toBeUndefined();
  });

  it('exposes largest acked per space and a metrics snapshot', () => {
    const r = make();
    expect(r.largestAcked(ApplicationData)).toBeUndefined();
    send(r, 0, ApplicationData);
    send(r, 0, ApplicationData);
    r.onAckReceived(50, ApplicationData, ack([[1, 1]]));
    expect(r.largestAcked(ApplicationData)).toBe(1);
    expect(r.largestAcked(Initial)).toBeUndefined();
    expect(r.metrics()).toMatchObject({
      minRtt: 50,
      smoothedRtt: 50,
      latestRtt: 50,
      rttVariance: 25,
      ptoCount: 0,
      bytesInFlight: 1200,
      congestionWindow: r.congestion.window,
      ssthresh: Number.POSITIVE_INFINITY,
    });
  });

  it('rejects invalid options', () => {
    expect(() => make({ maxAckDelay: -1 })).toThrow(TypeError);
    expect(() => make({ congestionControl: 'bbr' as 'cubic' })).toThrow(/congestionControl/);
    expect(make({ congestionControl: 'cubic' }).congestion.name).toBe('cubic');
    expect(new LossRecovery({ isServer: true }).congestion.name).toBe('cubic');
  });
});

describe('LossRecovery: properties', () => {
  type Op =
    | {
        kind: 'send';
        space: PacketNumberSpace;
        size: number;
        ackEliciting: boolean;
        inFlight: boolean;
      }
    | { kind: 'ack'; space: PacketNumberSpace; back: number; length: number; gap: number }
    | { kind: 'wait'; ms: number }
    | { kind: 'discard'; space: PacketNumberSpace };

  const spaceArb = fc.constantFrom(Initial, Handshake, ApplicationData);
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('send' as const),
        space: spaceArb,
        size: fc.integer({ min: 20, max: 1500 }),
        ackEliciting: fc.boolean(),
        inFlight: fc.boolean(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('ack' as const),
        space: spaceArb,
        back: fc.nat(10),
        length: fc.nat(5),
        gap: fc.nat(4),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('wait' as const),
        ms: fc.integer({ min: 0, max: 3000 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('discard' as const),
        space: fc.constantFrom(Initial, Handshake),
      }),
    },
  );

  it('bytes in flight equals the outstanding in-flight bytes, never negative; timers are sane', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 150 }),
        fc.boolean(),
        fc.constantFrom('cubic' as const, 'newreno' as const),
        fc.integer({ min: 0, max: 255 }),
        (ops, isServer, cc, seed) => {
          const r = new LossRecovery<string>({
            isServer,
            congestionControl: cc,
            random: (n) => new Uint8Array(n).fill(seed),
          });
          const discarded = new Set<PacketNumberSpace>();
          let now = 0;
          for (const op of ops) {
            if (op.kind === 'send') {
              if (discarded.has(op.space)) continue;
              send(r, now, op.space, op.size, op.ackEliciting, op.inFlight);
            } else if (op.kind === 'ack') {
              const largestSent = r.space(op.space).largestSent;
              if (largestSent < 0) continue;
              const top = Math.max(0, largestSent - op.back);
              const ranges: [number, number][] = [[Math.max(0, top - op.length), top]];
              const below = ranges[0]![0] - 2 - op.gap;
              if (below >= 0) ranges.push([Math.max(0, below - op.length), below]);
              const window = r.congestion.window;
              try {
                r.onAckReceived(now, op.space, ack(ranges, 1));
              } catch (error) {
                expect(error).toBeInstanceOf(TransportError);
                expect(r.congestion.window).toBe(window);
              }
            } else if (op.kind === 'wait') {
              now += op.ms;
              const timer = r.lossDetectionTimer;
              if (timer !== undefined && timer <= now) r.onLossDetectionTimeout(now);
            } else {
              r.discardSpace(now, op.space);
              discarded.add(op.space);
            }
            let expected = 0;
            for (const space of [Initial, Handshake, ApplicationData]) {
              for (const p of r.space(space).outstandingPackets())
                if (p.inFlight) expected += p.size;
            }
            expect(r.bytesInFlight).toBe(expected);
            expect(r.bytesInFlight).toBeGreaterThanOrEqual(0);
            expect(r.congestion.window).toBeGreaterThanOrEqual(2400);
            const timer = r.lossDetectionTimer;
            if (timer !== undefined) expect(Number.isFinite(timer)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
