// fast-check arbitraries for every frame kind, shared by the frame tests.
import fc from 'fast-check';
import { MAX_VARINT_BIG } from '../../../quic/coding/varint.js';
import type { AckRange, Frame } from '../../../quic/frame/frame.js';

const varint = fc.oneof(
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: 0, max: 16383 }),
  fc.integer({ min: 0, max: 2 ** 30 - 1 }),
  fc.maxSafeNat(),
);
const smallVarint = fc.integer({ min: 0, max: 2 ** 40 });
const errorCode = fc.oneof(
  fc.bigInt({ min: 0n, max: 255n }),
  fc.bigInt({ min: 0n, max: MAX_VARINT_BIG }),
);
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

const ackRanges: fc.Arbitrary<AckRange[]> = fc
  .tuple(
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })), {
      minLength: 1,
      maxLength: 20,
    }),
  )
  .map(([top, pieces]) => {
    const ranges: AckRange[] = [];
    let next = top + 30_000;
    for (const [gap, length] of pieces) {
      const largest = next;
      const smallest = largest - length;
      if (smallest < 0) break;
      ranges.push([smallest, largest]);
      next = smallest - gap - 2;
      if (next < 0) break;
    }
    return ranges;
  });

export const frameArbitrary: fc.Arbitrary<Frame> = fc.oneof(
  fc.integer({ min: 1, max: 50 }).map((length) => ({ type: 'padding' as const, length })),
  fc.constant({ type: 'ping' as const }),
  fc
    .tuple(
      ackRanges,
      varint,
      fc.option(fc.record({ ect0: varint, ect1: varint, ce: varint }), { nil: undefined }),
    )
    .map(([ranges, ackDelay, ecn]) => ({
      type: 'ack' as const,
      largest: ranges[0]![1],
      ackDelay,
      ranges,
      ecn,
    })),
  fc.record({
    type: fc.constant('resetStream' as const),
    streamId: varint,
    errorCode,
    finalSize: varint,
  }),
  fc.record({ type: fc.constant('stopSending' as const), streamId: varint, errorCode }),
  fc.record({ type: fc.constant('crypto' as const), offset: smallVarint, data: bytes(0, 64) }),
  fc.record({ type: fc.constant('newToken' as const), token: bytes(1, 64) }),
  fc.record({
    type: fc.constant('stream' as const),
    streamId: varint,
    offset: fc.oneof(fc.constant(0), smallVarint),
    data: bytes(0, 64),
    fin: fc.boolean(),
    explicitLength: fc.boolean(),
  }),
  fc.record({ type: fc.constant('maxData' as const), maximum: varint }),
  fc.record({ type: fc.constant('maxStreamData' as const), streamId: varint, maximum: varint }),
  fc.record({ type: fc.constant('maxStreams' as const), bidi: fc.boolean(), maximum: varint }),
  fc.record({ type: fc.constant('dataBlocked' as const), limit: varint }),
  fc.record({ type: fc.constant('streamDataBlocked' as const), streamId: varint, limit: varint }),
  fc.record({ type: fc.constant('streamsBlocked' as const), bidi: fc.boolean(), limit: varint }),
  fc
    .tuple(varint, fc.nat(), bytes(1, 20), bytes(16, 16))
    .map(([sequence, r, connectionId, statelessResetToken]) => ({
      type: 'newConnectionId' as const,
      sequence,
      retirePriorTo: sequence === 0 ? 0 : r % (sequence + 1),
      connectionId,
      statelessResetToken,
    })),
  fc.record({ type: fc.constant('retireConnectionId' as const), sequence: varint }),
  fc.record({ type: fc.constant('pathChallenge' as const), data: bytes(8, 8) }),
  fc.record({ type: fc.constant('pathResponse' as const), data: bytes(8, 8) }),
  fc
    .tuple(fc.boolean(), errorCode, fc.integer({ min: 0, max: 0x1e }), bytes(0, 40))
    .map(([application, code, frameType, reason]) => ({
      type: 'connectionClose' as const,
      application,
      errorCode: code,
      frameType: application ? 0 : frameType,
      reason,
    })),
  fc.constant({ type: 'handshakeDone' as const }),
  fc.record({
    type: fc.constant('datagram' as const),
    data: bytes(0, 64),
    explicitLength: fc.boolean(),
  }),
);

/** True if the frame consumes the rest of the packet (must be last). */
export function runsToEnd(frame: Frame): boolean {
  return (frame.type === 'stream' || frame.type === 'datagram') && !frame.explicitLength;
}
