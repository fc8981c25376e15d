import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import { type AckRange, SentPacketTracker } from '../../../quic/recovery/sent-packets.js';

type Tracker = SentPacketTracker<string>;

function send(tracker: Tracker, now: number, size = 1000, ackEliciting = true, inFlight = true) {
  const pn = tracker.nextPacketNumber();
  tracker.onPacketSent({
    packetNumber: pn,
    timeSent: now,
    size,
    ackEliciting,
    inFlight,
    payload: `p${pn}`,
  });
  return pn;
}

function expectTransportError(fn: () => unknown, code: number): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe(code);
    return;
  }
  expect.unreachable('expected a TransportError');
}

/** A random source that always returns the same bytes. */
const fixedRandom = (value: number) => (n: number) => new Uint8Array(n).fill(value);

describe('SentPacketTracker: sending and ACK processing', () => {
  it('hands out consecutive packet numbers and rejects others', () => {
    const t: Tracker = new SentPacketTracker();
    expect(send(t, 0)).toBe(0);
    expect(send(t, 1)).toBe(1);
    expect(t.nextPacketNumber()).toBe(2);
    expect(() =>
      t.onPacketSent({
        packetNumber: 5,
        timeSent: 2,
        size: 1,
        ackEliciting: true,
        inFlight: true,
        payload: 'x',
      }),
    ).toThrow(TypeError);
  });

  it('tracks bytes in flight, ack-eliciting count and the last ack-eliciting time', () => {
    const t: Tracker = new SentPacketTracker();
    send(t, 0, 1200);
    send(t, 5, 50, false, false); // ACK-only
    send(t, 7, 1200, false, true); // PADDING-only: in flight, not ack-eliciting
    expect(t.bytesInFlight).toBe(2400);
    expect(t.ackElicitingInFlight).toBe(1);
    expect(t.timeOfLastAckEliciting).toBe(0);
    expect(t.outstanding).toBe(3);
  });

  it('returns newly acked packets in packet number order, each once', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 10; i++) send(t, i);
    const acked = t.onAckReceived([
      [8, 9],
      [2, 4],
    ]);
    expect(acked.map((p) => p.packetNumber)).toEqual([2, 3, 4, 8, 9]);
    expect(acked.map((p) => p.payload)).toEqual(['p2', 'p3', 'p4', 'p8', 'p9']);
    expect(t.largestAcked).toBe(9);
    expect(t.onAckReceived([[0, 9]]).map((p) => p.packetNumber)).toEqual([0, 1, 5, 6, 7]);
    expect(t.onAckReceived([[0, 9]])).toEqual([]);
    expect(t.bytesInFlight).toBe(0);
    expect(t.outstanding).toBe(0);
  });

  it('rejects an ACK of a never-sent packet number with PROTOCOL_VIOLATION (RFC 9000 §13.1)', () => {
    const t: Tracker = new SentPacketTracker();
    send(t, 0);
    send(t, 1);
    expectTransportError(() => t.onAckReceived([[0, 2]]), TransportErrorCode.PROTOCOL_VIOLATION);
    // Nothing changed: the valid part of that ACK was not applied.
    expect(t.outstanding).toBe(2);
    expect(t.largestAcked).toBeUndefined();
  });

  it('rejects any ACK before anything was sent', () => {
    const t: Tracker = new SentPacketTracker();
    expectTransportError(() => t.onAckReceived([[0, 0]]), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('rejects malformed ranges with FRAME_ENCODING_ERROR', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 10; i++) send(t, i);
    const bad: AckRange[][] = [
      [],
      [[5, 4]],
      [[-1, 3]],
      [
        [2, 3],
        [5, 6],
      ], // ascending
      [
        [4, 6],
        [3, 5],
      ], // overlapping
      [[0.5, 3]],
    ];
    for (const ranges of bad) {
      expectTransportError(() => t.onAckReceived(ranges), TransportErrorCode.FRAME_ENCODING_ERROR);
    }
    expect(t.outstanding).toBe(10);
  });

  it('processes a huge ACK range in work proportional to packets sent, not its width', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 100; i++) send(t, i);
    t.visited = 0;
    // Ranges claiming far more than exists below the largest sent are still
    // only as costly as the stored packets.
    const acked = t.onAckReceived([
      [90, 99],
      [0, 80],
    ]);
    expect(acked).toHaveLength(91);
    expect(t.visited).toBeLessThanOrEqual(100 + 2);
  });

  it('a range re-covering long-acknowledged packets visits only the outstanding ones', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 10_000; i++) send(t, i);
    t.onAckReceived([[0, 9_999]]);
    for (let i = 0; i < 10; i++) send(t, 10_000 + i);
    t.visited = 0;
    const acked = t.onAckReceived([[0, 10_009]]);
    expect(acked).toHaveLength(10);
    expect(t.visited).toBeLessThanOrEqual(10);
  });

  it('many single-number ranges cost one binary search each plus the packets they hit', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 2_000; i++) send(t, i);
    t.onAckReceived([[0, 1_989]]);
    t.visited = 0;
    const ranges: AckRange[] = [];
    for (let pn = 1_999; pn >= 0; pn -= 2) ranges.push([pn, pn]);
    const acked = t.onAckReceived(ranges);
    expect(acked.map((p) => p.packetNumber)).toEqual([1_991, 1_993, 1_995, 1_997, 1_999]);
    // At most one entry examined per range beyond the hits.
    expect(t.visited).toBeLessThanOrEqual(ranges.length + 5);
  });

  it('a range up to 2^50 is rejected as unsent without visiting anything', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 100; i++) send(t, i);
    t.visited = 0;
    expectTransportError(
      () => t.onAckReceived([[0, 2 ** 50]]),
      TransportErrorCode.PROTOCOL_VIOLATION,
    );
    expect(t.visited).toBe(0);
    expect(t.outstanding).toBe(100);
  });
});

describe('SentPacketTracker: deliberately skipped packet numbers', () => {
  it('skips a packet number chosen with the injected randomness', () => {
    // random bytes 0 -> distance = minDistance (32)
    const t: Tracker = new SentPacketTracker({ random: fixedRandom(0) });
    const pns: number[] = [];
    for (let i = 0; i < 40; i++) pns.push(send(t, i));
    expect(t.skippedPacketNumbers()).toEqual([32]);
    expect(pns).not.toContain(32);
    expect(pns[32]).toBe(33);
  });

  it('an ACK covering a skipped number is PROTOCOL_VIOLATION and changes nothing', () => {
    const t: Tracker = new SentPacketTracker({ random: fixedRandom(0), minDistance: 4, spread: 1 });
    for (let i = 0; i < 10; i++) send(t, i);
    const skipped = t.skippedPacketNumbers();
    expect(skipped.length).toBeGreaterThan(0);
    const bytesBefore = t.bytesInFlight;
    expectTransportError(
      () => t.onAckReceived([[0, t.largestSent]]),
      TransportErrorCode.PROTOCOL_VIOLATION,
    );
    expect(t.bytesInFlight).toBe(bytesBefore);
    expect(t.largestAcked).toBeUndefined();
    // Ranges that avoid the skipped numbers are fine.
    const first = skipped[0]!;
    expect(t.onAckReceived([[0, first - 1]]).length).toBe(first);
  });

  it('spreads skips with the random distance', () => {
    const t: Tracker = new SentPacketTracker({
      random: fixedRandom(255),
      minDistance: 10,
      spread: 7,
    });
    // 0xffff % 7 = 1 -> distance 11: skip 11, then 12 + 11 = 23, then 35.
    for (let i = 0; i < 40; i++) send(t, i);
    expect(t.skippedPacketNumbers()).toEqual([11, 23, 35]);
  });
});

describe('SentPacketTracker: loss detection (RFC 9002 §6.1)', () => {
  it('declares packets lost by packet threshold (kPacketThreshold = 3)', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 6; i++) send(t, 0);
    t.onAckReceived([[4, 4]]);
    const { lost } = t.detectLost(0, { lossDelay: 1000 });
    // 4 >= pn + 3 -> 0, 1 lost; 2, 3 wait for the time threshold.
    expect(lost.map((p) => p.packetNumber)).toEqual([0, 1]);
    expect(t.lossTime).toBe(1000);
    expect(t.outstanding).toBe(3); // 2, 3, 5
  });

  it('declares packets lost by time threshold and arms loss_time for the rest', () => {
    const t: Tracker = new SentPacketTracker();
    send(t, 0);
    send(t, 10);
    send(t, 20);
    t.onAckReceived([[2, 2]]);
    const first = t.detectLost(20, { lossDelay: 15 });
    // lost_send_time = 5: packet 0 (t=0) lost; packet 1 (t=10) waits until 25.
    expect(first.lost.map((p) => p.packetNumber)).toEqual([0]);
    expect(t.lossTime).toBe(25);
    expect(t.detectLost(24.5, { lossDelay: 15 }).lost).toEqual([]);
    const second = t.detectLost(25, { lossDelay: 15 });
    expect(second.lost.map((p) => p.packetNumber)).toEqual([1]);
    expect(t.lossTime).toBeUndefined();
  });

  it('a scan at exactly loss_time declares the loss, whatever the float rounding', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        (timeSent, lossDelay) => {
          const t: Tracker = new SentPacketTracker();
          send(t, timeSent);
          send(t, timeSent);
          t.onAckReceived([[1, 1]]);
          expect(t.detectLost(timeSent, { lossDelay }).lost).toEqual([]);
          const lossTime = t.lossTime!;
          expect(t.detectLost(lossTime, { lossDelay }).lost.map((p) => p.packetNumber)).toEqual([
            0,
          ]);
        },
      ),
    );
    // The values that once looped forever in the simulation.
    const t: Tracker = new SentPacketTracker();
    send(t, 2046.7091135626717);
    send(t, 2046.7091135626717);
    t.onAckReceived([[1, 1]]);
    t.detectLost(2050, { lossDelay: 38.4797 });
    expect(t.detectLost(t.lossTime!, { lossDelay: 38.4797 }).lost).toHaveLength(1);
  });

  it('never declares packets above largest_acked lost', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 5; i++) send(t, 0);
    t.onAckReceived([[1, 1]]);
    const { lost } = t.detectLost(10_000, { lossDelay: 1 });
    expect(lost.map((p) => p.packetNumber)).toEqual([0]);
    expect(t.outstanding).toBe(3);
  });

  it('discardAll removes everything without declaring loss (§6.4)', () => {
    const t: Tracker = new SentPacketTracker();
    send(t, 0);
    send(t, 1);
    const discarded = t.discardAll();
    expect(discarded.map((p) => p.packetNumber)).toEqual([0, 1]);
    expect(t.bytesInFlight).toBe(0);
    expect(t.ackElicitingInFlight).toBe(0);
    expect(t.timeOfLastAckEliciting).toBeUndefined();
    // Numbers keep increasing.
    expect(t.nextPacketNumber()).toBe(2);
  });
});

describe('SentPacketTracker: persistent congestion runs (§7.6.2)', () => {
  it('detects a run of lost ack-eliciting packets longer than the duration', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 10; i++) send(t, i * 10);
    t.onAckReceived([[9, 9]]);
    const r = t.detectLost(100, {
      lossDelay: 5,
      persistentCongestionDuration: 60,
      firstRttSampleTime: -1,
    });
    expect(r.lost).toHaveLength(9);
    expect(r.persistentCongestion).toBe(true); // 80 - 0 > 60
  });

  it('an acknowledged packet between lost ones breaks the run', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 10; i++) send(t, i * 10);
    t.onAckReceived([
      [9, 9],
      [4, 4],
    ]);
    const r = t.detectLost(100, {
      lossDelay: 5,
      persistentCongestionDuration: 45,
      firstRttSampleTime: -1,
    });
    expect(r.lost).toHaveLength(8);
    // runs 0..30 and 50..80: each spans 30 < 45.
    expect(r.persistentCongestion).toBe(false);
  });

  it('ignores packets sent before the first RTT sample and non-ack-eliciting ones', () => {
    const t: Tracker = new SentPacketTracker();
    for (let i = 0; i < 10; i++) send(t, i * 10, 100, i !== 8);
    t.onAckReceived([[9, 9]]);
    const r = t.detectLost(100, {
      lossDelay: 5,
      persistentCongestionDuration: 50,
      firstRttSampleTime: 25,
    });
    // Eligible: 30..70 (80 is not ack-eliciting): span 40 <= 50.
    expect(r.persistentCongestion).toBe(false);
  });
});

describe('SentPacketTracker: properties', () => {
  type Op =
    | { kind: 'send'; size: number; ackEliciting: boolean; inFlight: boolean }
    | { kind: 'ack'; ranges: [number, number][] }
    | { kind: 'lose'; advance: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('send' as const),
      size: fc.integer({ min: 1, max: 1500 }),
      ackEliciting: fc.boolean(),
      inFlight: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('ack' as const),
      ranges: fc
        .array(fc.tuple(fc.nat(80), fc.nat(6)), { minLength: 1, maxLength: 5 })
        .map(toRanges),
    }),
    fc.record({ kind: fc.constant('lose' as const), advance: fc.integer({ min: 0, max: 50 }) }),
  );

  /** Turns (start, length) pairs into descending, disjoint, non-adjacent ranges. */
  function toRanges(pairs: [number, number][]): [number, number][] {
    const sorted = pairs
      .map(([s, len]) => [s, s + len] as [number, number])
      .sort((a, b) => b[0] - a[0]);
    const out: [number, number][] = [];
    for (const [s, l] of sorted) {
      const prev = out[out.length - 1];
      if (prev && l >= prev[0] - 1) continue;
      out.push([s, l]);
    }
    return out;
  }

  it('acked ∪ lost ∪ outstanding = sent, disjoint; bytes in flight is the sum of outstanding in-flight sizes', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 120 }),
        fc.integer({ min: 0, max: 255 }),
        (ops, seed) => {
          const t: Tracker = new SentPacketTracker({
            random: fixedRandom(seed),
            minDistance: 3,
            spread: 5,
          });
          const sent = new Map<
            number,
            { size: number; inFlight: boolean; ackEliciting: boolean }
          >();
          const acked = new Set<number>();
          const lost = new Set<number>();
          let now = 0;
          for (const op of ops) {
            if (op.kind === 'send') {
              now += 1;
              const pn = send(t, now, op.size, op.ackEliciting, op.inFlight);
              sent.set(pn, op);
            } else if (op.kind === 'ack') {
              const claimsUnsent = op.ranges.some(([s, l]) => {
                for (let pn = s; pn <= l; pn++) if (!sent.has(pn)) return true;
                return false;
              });
              let newly: number[] = [];
              try {
                newly = t.onAckReceived(op.ranges).map((p) => p.packetNumber);
                expect(claimsUnsent).toBe(false);
              } catch (error) {
                expect(error).toBeInstanceOf(TransportError);
                expect(claimsUnsent).toBe(true);
              }
              for (const pn of newly) {
                expect(acked.has(pn) || lost.has(pn)).toBe(false);
                acked.add(pn);
              }
            } else {
              now += op.advance;
              for (const p of t.detectLost(now, { lossDelay: 20 }).lost) {
                expect(acked.has(p.packetNumber) || lost.has(p.packetNumber)).toBe(false);
                lost.add(p.packetNumber);
              }
            }
            const outstanding = t.outstandingPackets().map((p) => p.packetNumber);
            for (const pn of outstanding) expect(acked.has(pn) || lost.has(pn)).toBe(false);
            expect(outstanding.length + acked.size + lost.size).toBe(sent.size);
            let bytes = 0;
            let eliciting = 0;
            for (const pn of outstanding) {
              const p = sent.get(pn)!;
              if (p.inFlight) bytes += p.size;
              if (p.inFlight && p.ackEliciting) eliciting++;
            }
            expect(t.bytesInFlight).toBe(bytes);
            expect(t.bytesInFlight).toBeGreaterThanOrEqual(0);
            expect(t.ackElicitingInFlight).toBe(eliciting);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
