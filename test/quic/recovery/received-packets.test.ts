import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PacketNumberSpace } from '../../../quic/recovery/packet-number-space.js';
import {
  type ReceivedPacketsOptions,
  ReceivedPacketTracker,
} from '../../../quic/recovery/received-packets.js';

const { Initial, Handshake, ApplicationData } = PacketNumberSpace;

function make(options: Partial<ReceivedPacketsOptions> = {}) {
  return new ReceivedPacketTracker({ space: ApplicationData, ...options });
}

describe('ReceivedPacketTracker: ranges and duplicates', () => {
  it('merges received packet numbers into descending ranges', () => {
    const r = make();
    for (const pn of [0, 1, 2, 5, 6, 9, 4, 3]) r.onPacketReceived(0, pn, false);
    expect(r.buildAck(0)?.ranges).toEqual([
      [9, 9],
      [0, 6],
    ]);
    expect(r.largestReceived).toBe(9);
  });

  it('reports duplicates and refuses to record them twice (RFC 9000 §12.3)', () => {
    const r = make();
    expect(r.isDuplicate(5)).toBe(false);
    expect(r.onPacketReceived(0, 5, true)).toBe(true);
    expect(r.isDuplicate(5)).toBe(true);
    expect(r.onPacketReceived(0, 5, true)).toBe(false);
    expect(r.isDuplicate(4)).toBe(false);
    expect(r.isDuplicate(6)).toBe(false);
  });

  it('discard() frees the ranges and cancels any pending ACK (RFC 9001 §4.9)', () => {
    const r = make();
    for (const pn of [0, 2, 4]) r.onPacketReceived(0, pn, true);
    expect(r.ackDeadline).toBeDefined();
    r.discard();
    expect(r.rangeCount).toBe(0);
    expect(r.ackDeadline).toBeUndefined();
    expect(r.hasUnreportedPackets).toBe(false);
  });

  it('keeps at most maxRanges ranges; older numbers become duplicates (§13.2.3)', () => {
    const r = make({ maxRanges: 4 });
    for (let pn = 0; pn < 40; pn += 2) r.onPacketReceived(0, pn, false);
    expect(r.rangeCount).toBe(4);
    expect(r.buildAck(0)?.ranges).toEqual([
      [38, 38],
      [36, 36],
      [34, 34],
      [32, 32],
    ]);
    // 30 was forgotten: it and everything below count as duplicates (too old).
    expect(r.isDuplicate(30)).toBe(true);
    expect(r.isDuplicate(31)).toBe(false);
    expect(r.isDuplicate(0)).toBe(true);
    expect(r.isDuplicate(33)).toBe(false);
    expect(r.onPacketReceived(0, 1, true)).toBe(false);
  });

  it('limits the ranges of one ACK to the newest maxAckRanges', () => {
    const r = make({ maxAckRanges: 2 });
    for (let pn = 0; pn < 10; pn += 2) r.onPacketReceived(0, pn, false);
    expect(r.buildAck(0)?.ranges).toEqual([
      [8, 8],
      [6, 6],
    ]);
  });

  it('stops reporting what an acknowledged ACK covered, but still detects duplicates (§13.2.4)', () => {
    const r = make();
    for (const pn of [0, 1, 2, 4, 5]) r.onPacketReceived(0, pn, true);
    const ack = r.buildAck(0)!;
    r.onAckSent();
    r.onAckOfAck(ack.largest);
    expect(r.buildAck(1)).toBeUndefined();
    expect(r.isDuplicate(4)).toBe(true);
    r.onPacketReceived(2, 7, true);
    r.onPacketReceived(2, 3, true); // late, below the ack floor: recorded, not reported
    expect(r.buildAck(2)?.ranges).toEqual([[7, 7]]);
    expect(r.isDuplicate(3)).toBe(true);
  });

  it('a late packet below the ack floor does not make an (empty) ACK due', () => {
    const r = make();
    for (const pn of [0, 1, 3, 4]) r.onPacketReceived(0, pn, true);
    r.onAckSent();
    r.onAckOfAck(4);
    expect(r.onPacketReceived(1, 2, true)).toBe(true);
    expect(r.isDuplicate(2)).toBe(true);
    expect(r.ackDeadline).toBeUndefined();
    expect(r.hasUnreportedPackets).toBe(false);
    expect(r.buildAck(1)).toBeUndefined();
  });

  it('an ack of an ACK covering everything clears a pending deadline', () => {
    const r = make();
    r.onPacketReceived(0, 0, true);
    r.onPacketReceived(0, 1, true);
    const ack = r.buildAck(0)!;
    r.onPacketReceived(1, 2, true); // arrives before the ACK is sent: deadline set
    r.onAckSent();
    r.onPacketReceived(2, 3, true);
    expect(r.ackDeadline).toBe(27);
    r.onAckOfAck(ack.largest);
    expect(r.ackDeadline).toBe(27); // 2 and 3 still to report
    r.onAckOfAck(3);
    expect(r.ackDeadline).toBeUndefined();
    expect(r.buildAck(3)).toBeUndefined();
  });

  it('whenever an ACK is due, there is an ACK to build (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('rx' as const),
              pn: fc.nat(100),
              eliciting: fc.boolean(),
            }),
            fc.record({ kind: fc.constant('send' as const) }),
            fc.record({ kind: fc.constant('ackOfAck' as const), largest: fc.nat(100) }),
          ),
          { maxLength: 200 },
        ),
        (ops) => {
          const r = make({ maxRanges: 8 });
          let now = 0;
          for (const op of ops) {
            now += 1;
            if (op.kind === 'rx') r.onPacketReceived(now, op.pn, op.eliciting);
            else if (op.kind === 'send') {
              if (r.buildAck(now) !== undefined) r.onAckSent();
            } else r.onAckOfAck(op.largest);
            if (r.ackDeadline !== undefined) expect(r.buildAck(now)).toBeDefined();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects packet numbers that are not non-negative integers', () => {
    const r = make();
    expect(() => r.onPacketReceived(0, -1, true)).toThrow(TypeError);
    expect(() => r.onPacketReceived(0, 1.5, true)).toThrow(TypeError);
  });

  it('drops packet numbers beyond 2^53 (not exact as numbers) instead of throwing', () => {
    const r = make();
    expect(r.isDuplicate(2 ** 60)).toBe(true);
    expect(r.onPacketReceived(0, 2 ** 60, true)).toBe(false);
    expect(r.largestReceived).toBeUndefined();
  });
});

describe('ReceivedPacketTracker: when to acknowledge (RFC 9000 §13.2.1, §13.2.2)', () => {
  it('Initial and Handshake ack-eliciting packets are acknowledged immediately', () => {
    for (const space of [Initial, Handshake]) {
      const r = new ReceivedPacketTracker({ space });
      r.onPacketReceived(10, 0, true);
      expect(r.ackDeadline).toBe(10);
      expect(r.ackDue(10)).toBe(true);
    }
  });

  it('one ack-eliciting 1-RTT packet waits up to max_ack_delay; the second triggers an ACK', () => {
    const r = make({ maxAckDelay: 25 });
    r.onPacketReceived(100, 0, true);
    expect(r.ackDeadline).toBe(125);
    expect(r.ackDue(124)).toBe(false);
    expect(r.ackDue(125)).toBe(true);
    r.onPacketReceived(110, 1, true);
    expect(r.ackDeadline).toBe(110);
  });

  it('non-ack-eliciting packets never make an ACK due, but are included in the next one', () => {
    const r = make();
    r.onPacketReceived(0, 0, false);
    r.onPacketReceived(0, 5, false);
    expect(r.ackDeadline).toBeUndefined();
    expect(r.hasUnreportedPackets).toBe(true);
    r.onPacketReceived(1, 6, true);
    expect(r.buildAck(1)?.ranges).toEqual([
      [5, 6],
      [0, 0],
    ]);
  });

  it('an out-of-order ack-eliciting packet is acknowledged immediately', () => {
    const r = make({ maxAckDelay: 25 });
    r.onPacketReceived(0, 5, true);
    r.onAckSent();
    r.onPacketReceived(1, 3, true); // less than an ack-eliciting packet already received
    expect(r.ackDeadline).toBe(1);
  });

  it('a gap before a new largest ack-eliciting packet makes the ACK immediate', () => {
    const r = make({ maxAckDelay: 25 });
    r.onPacketReceived(0, 0, true);
    r.onAckSent();
    r.onPacketReceived(1, 1, true); // in order: delayed
    expect(r.ackDeadline).toBe(26);
    r.onAckSent();
    r.onPacketReceived(2, 3, true); // 2 is missing
    expect(r.ackDeadline).toBe(2);
  });

  it('a gap filled only by non-ack-eliciting packets is no gap', () => {
    const r = make({ maxAckDelay: 25 });
    r.onPacketReceived(0, 0, true);
    r.onPacketReceived(0, 1, false);
    r.onAckSent();
    r.onPacketReceived(5, 2, true);
    expect(r.ackDeadline).toBe(30);
  });

  it('an ECN-CE marked packet is acknowledged immediately and counted', () => {
    const r = make();
    r.onPacketReceived(0, 0, true, 'ect0');
    r.onPacketReceived(1, 1, false, 'ect1');
    r.onAckSent();
    r.onPacketReceived(2, 2, true, 'ce');
    expect(r.ackDeadline).toBe(2);
    expect(r.buildAck(2)?.ecn).toEqual({ ect0: 1, ect1: 1, ce: 1 });
    expect(make().buildAck(0)).toBeUndefined();
  });

  it('onAckSent clears the deadline and the counters', () => {
    const r = make();
    r.onPacketReceived(0, 0, true);
    r.onAckSent();
    expect(r.ackDeadline).toBeUndefined();
    expect(r.hasUnreportedPackets).toBe(false);
    r.onPacketReceived(1, 1, true);
    expect(r.ackDeadline).toBe(26); // the count restarted: one packet, delayed
  });

  it('respects a custom ack-eliciting threshold', () => {
    const r = make({ ackElicitingThreshold: 3 });
    r.onPacketReceived(0, 0, true);
    r.onPacketReceived(0, 1, true);
    expect(r.ackDeadline).toBe(25);
    r.onPacketReceived(0, 2, true);
    expect(r.ackDeadline).toBe(0);
  });
});

describe('ReceivedPacketTracker: ACK Delay (RFC 9000 §13.2.5, §19.3)', () => {
  it('measures from receipt of the largest and encodes with ack_delay_exponent', () => {
    const r = make({ ackDelayExponent: 3 });
    r.onPacketReceived(100, 0, true);
    r.onPacketReceived(105, 2, true);
    r.onPacketReceived(110, 1, true); // not the largest: does not restart the clock
    const ack = r.buildAck(117.5)!;
    expect(ack.largest).toBe(2);
    expect(ack.ackDelayMicros).toBe(12_500);
    expect(ack.ackDelayEncoded).toBe(Math.floor(12_500 / 8));
  });

  it('reports 0 in Initial and Handshake', () => {
    const r = new ReceivedPacketTracker({ space: Handshake });
    r.onPacketReceived(0, 0, true);
    expect(r.buildAck(50)).toMatchObject({ ackDelayMicros: 0, ackDelayEncoded: 0 });
  });

  it('validates options', () => {
    expect(() => make({ ackDelayExponent: 21 })).toThrow(/ackDelayExponent/);
    expect(() => make({ maxAckDelay: -1 })).toThrow(/maxAckDelay/);
    expect(() => make({ maxRanges: 0 })).toThrow(/maxRanges/);
  });
});

describe('ReceivedPacketTracker: properties', () => {
  it('matches a set model: ranges are exact, sorted, disjoint and bounded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(300), fc.boolean()), { maxLength: 300 }),
        fc.integer({ min: 1, max: 16 }),
        (arrivals, maxRanges) => {
          const r = make({ maxRanges, maxAckRanges: 1000 });
          const received = new Set<number>();
          for (const [pn, eliciting] of arrivals) {
            const duplicate = r.isDuplicate(pn);
            if (received.has(pn)) expect(duplicate).toBe(true);
            const recorded = r.onPacketReceived(0, pn, eliciting);
            expect(recorded).toBe(!duplicate);
            if (recorded) received.add(pn);
            expect(r.rangeCount).toBeLessThanOrEqual(maxRanges);
          }
          const ack = r.buildAck(0);
          if (received.size === 0) {
            expect(ack).toBeUndefined();
            return;
          }
          expect(ack!.largest).toBe(Math.max(...received));
          let previousSmallest = Number.POSITIVE_INFINITY;
          for (const [smallest, largest] of ack!.ranges) {
            expect(smallest).toBeLessThanOrEqual(largest);
            expect(largest).toBeLessThan(previousSmallest - 1); // disjoint, non-adjacent
            previousSmallest = smallest;
            for (let pn = smallest; pn <= largest; pn++) expect(received.has(pn)).toBe(true);
          }
          // Every received number at or above the smallest reported one is reported.
          const reported = new Set<number>();
          for (const [s, l] of ack!.ranges) for (let pn = s; pn <= l; pn++) reported.add(pn);
          for (const pn of received)
            if (pn >= previousSmallest) expect(reported.has(pn)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
