import { describe, expect, it } from 'vitest';
import {
  canReceive,
  canSend,
  initiator,
  isBidirectional,
  isClientInitiated,
  isLocallyInitiated,
  isValidStreamId,
  StreamType,
  streamIdFor,
  streamIndex,
  streamType,
} from '../../../quic/streams/stream-id.js';

describe('stream IDs (RFC 9000 §2.1)', () => {
  it('Table 1: the two low bits give initiator and direction', () => {
    expect(streamType(0)).toBe(StreamType.CLIENT_BIDI);
    expect(streamType(1)).toBe(StreamType.SERVER_BIDI);
    expect(streamType(2)).toBe(StreamType.CLIENT_UNI);
    expect(streamType(3)).toBe(StreamType.SERVER_UNI);
    expect(streamType(7)).toBe(StreamType.SERVER_UNI);
    expect([0, 1, 2, 3].map(isClientInitiated)).toEqual([true, false, true, false]);
    expect([0, 1, 2, 3].map(isBidirectional)).toEqual([true, true, false, false]);
    expect(initiator(5)).toBe('server');
    expect(initiator(8)).toBe('client');
  });

  it('works beyond 32 bits (no bitwise truncation)', () => {
    const id = 2 ** 40 + 3;
    expect(streamType(id)).toBe(StreamType.SERVER_UNI);
    expect(streamIndex(id)).toBe(2 ** 38);
    expect(streamIdFor('server', false, 2 ** 38)).toBe(id);
  });

  it('streamIdFor and streamIndex are inverse for every type', () => {
    for (const role of ['client', 'server'] as const) {
      for (const bidi of [true, false]) {
        for (const index of [0, 1, 2, 1000]) {
          const id = streamIdFor(role, bidi, index);
          expect(streamIndex(id)).toBe(index);
          expect(isBidirectional(id)).toBe(bidi);
          expect(initiator(id)).toBe(role);
        }
      }
    }
    // RFC 9000 §19.11: a server with a uni limit of 3 may open 3, 7 and 11.
    expect([0, 1, 2].map((i) => streamIdFor('server', false, i))).toEqual([3, 7, 11]);
  });

  it('direction: who may send and receive', () => {
    // Client-initiated uni (2): client sends, server receives.
    expect(canSend(2, 'client')).toBe(true);
    expect(canReceive(2, 'client')).toBe(false);
    expect(canSend(2, 'server')).toBe(false);
    expect(canReceive(2, 'server')).toBe(true);
    // Bidi: both ways for both.
    for (const role of ['client', 'server'] as const) {
      expect(canSend(1, role) && canReceive(1, role)).toBe(true);
    }
    expect(isLocallyInitiated(3, 'server')).toBe(true);
    expect(isLocallyInitiated(3, 'client')).toBe(false);
  });

  it('validates the 62-bit range', () => {
    expect(isValidStreamId(0)).toBe(true);
    expect(isValidStreamId(2 ** 61)).toBe(true);
    expect(isValidStreamId(2 ** 62)).toBe(false);
    expect(isValidStreamId(-1)).toBe(false);
    expect(isValidStreamId(1.5)).toBe(false);
  });
});
