import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferReader } from '../../../quic/coding/reader.js';
import { BufferWriter } from '../../../quic/coding/writer.js';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import { decodeFrame, decodeFrames } from '../../../quic/frame/decode-frame.js';
import { encodeFrame, encodeStreamFrame, frameSize } from '../../../quic/frame/encode-frame.js';
import { type Frame, frameTypeOf, MAX_ACK_RANGES } from '../../../quic/frame/frame.js';
import { PacketType } from '../../../quic/packet/packet-type.js';
import { frameArbitrary, runsToEnd } from './frame-arbitraries.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const { FRAME_ENCODING_ERROR, PROTOCOL_VIOLATION, FLOW_CONTROL_ERROR, CRYPTO_BUFFER_EXCEEDED } =
  TransportErrorCode;

function encode(frame: Frame): Uint8Array {
  const w = BufferWriter.growable(8);
  encodeFrame(w, frame);
  return w.bytes();
}

function decodeError(bytes: Uint8Array): TransportError {
  try {
    decodeFrames(bytes);
  } catch (e) {
    if (e instanceof TransportError) return e;
    throw e;
  }
  throw new Error(`decoded without error: ${toHex(bytes)}`);
}

/** Normalises bigint/number and Uint8Array views for deep equality. */
function plain(frame: Frame): unknown {
  return JSON.parse(
    JSON.stringify(frame, (_k, v) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v,
    ),
  );
}

describe('frame codec: round trips', () => {
  it('every frame kind round trips, and frameSize is the encoded size', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        const bytes = encode(frame);
        expect(bytes.length).toBe(frameSize(frame));
        expect(bytes[0]).toBe(frame.type === 'padding' ? 0 : frameTypeOf(frame));
        const reader = new BufferReader(bytes);
        const decoded = decodeFrame(reader);
        expect(reader.remaining).toBe(0);
        expect(plain(decoded)).toEqual(plain(frame));
      }),
      { numRuns: 2000 },
    );
  });

  it('a sequence of frames decodes back in order', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { maxLength: 12 }), (frames) => {
        // Frames without length run to the end: keep only a last one. Adjacent
        // PADDING frames merge on decode, so keep them apart with a PING.
        const list: Frame[] = [];
        for (const f of frames) {
          if (runsToEnd(f)) continue;
          if (f.type === 'padding' && list.at(-1)?.type === 'padding') list.push({ type: 'ping' });
          list.push(f);
        }
        const last = frames.at(-1);
        if (last !== undefined && runsToEnd(last)) list.push(last);
        const w = BufferWriter.growable();
        for (const f of list) encodeFrame(w, f);
        expect(decodeFrames(w.bytes()).map(plain)).toEqual(list.map(plain));
      }),
    );
  });

  it('STREAM/CRYPTO/DATAGRAM data are views into the packet, not copies', () => {
    const packet = encode({
      type: 'stream',
      streamId: 4,
      offset: 10,
      data: Uint8Array.of(1, 2, 3),
      fin: true,
      explicitLength: true,
    });
    const frame = decodeFrame(new BufferReader(packet));
    expect(frame.type === 'stream' && frame.data.buffer).toBe(packet.buffer);
  });

  it('encodes known wire bytes (STREAM flags, ACK ranges, CONNECTION_CLOSE)', () => {
    expect(
      toHex(
        encode({
          type: 'stream',
          streamId: 4,
          offset: 0,
          data: hex('abcd'),
          fin: true,
          explicitLength: true,
        }),
      ),
    ).toBe('0b0402abcd');
    expect(
      toHex(
        encode({
          type: 'stream',
          streamId: 4,
          offset: 64,
          data: hex('ab'),
          fin: false,
          explicitLength: false,
        }),
      ),
    ).toBe('0c044040ab');
    // Largest 10, delay 3, 1 more range; first range 10..8 (len 2); gap: 8-5-2=1; second 5..5.
    expect(
      toHex(
        encode({
          type: 'ack',
          largest: 10,
          ackDelay: 3,
          ranges: [
            [8, 10],
            [5, 5],
          ],
          ecn: undefined,
        }),
      ),
    ).toBe('020a0301020100');
    expect(
      toHex(
        encode({
          type: 'connectionClose',
          application: false,
          errorCode: 0x0an,
          frameType: 0x06,
          reason: hex('6869'),
        }),
      ),
    ).toBe('1c0a06026869');
  });
});

describe('frame codec: malformed input', () => {
  it('every truncated prefix of every frame fails with a TransportError naming the frame', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        // Frames that run to the end (PADDING, STREAM/DATAGRAM without LEN) are
        // valid at every length that includes their header.
        if (frame.type === 'padding' || runsToEnd(frame)) return;
        const bytes = encode(frame);
        for (let n = 1; n < bytes.length; n++) {
          const err = decodeError(bytes.subarray(0, n));
          expect(err.code).toBe(FRAME_ENCODING_ERROR);
          expect(err.frameType).toBe(bytes[0]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('truncated frames that run to the end fail only inside their header', () => {
    const bytes = encode({
      type: 'stream',
      streamId: 0x3fff,
      offset: 0x3fff,
      data: hex('01'),
      fin: false,
      explicitLength: false,
    });
    for (let n = 1; n < 5; n++)
      expect(decodeError(bytes.subarray(0, n)).code).toBe(FRAME_ENCODING_ERROR);
    expect(decodeFrames(bytes.subarray(0, 5))).toMatchObject([{ type: 'stream', offset: 0x3fff }]);
  });

  it('decoding arbitrary bytes throws nothing but TransportError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.constantFrom(undefined, PacketType.Initial, PacketType.ZeroRtt, PacketType.OneRtt),
        (bytes, packetType) => {
          try {
            decodeFrames(bytes, packetType);
          } catch (e) {
            expect(e).toBeInstanceOf(TransportError);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('mutated valid frames throw nothing but TransportError', () => {
    fc.assert(
      fc.property(
        frameArbitrary,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (frame, at, value) => {
          const bytes = encode(frame).slice();
          bytes[at % bytes.length] = value;
          try {
            decodeFrames(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(TransportError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('unknown frame types are FRAME_ENCODING_ERROR carrying the type', () => {
    for (const t of ['1f', '20', '2f', '32', '3f', '4040', '8000abcd']) {
      const err = decodeError(hex(t));
      expect(err.code).toBe(FRAME_ENCODING_ERROR);
      expect(err.frameType).toBe(new BufferReader(hex(t)).readVarint());
    }
  });

  it('a known frame type in a longer encoding is PROTOCOL_VIOLATION (RFC 9000 §12.4)', () => {
    const err = decodeError(hex('4001'));
    expect(err.code).toBe(PROTOCOL_VIOLATION);
    expect(err.frameType).toBe(1);
  });

  it('PADDING runs decode as one frame with a count', () => {
    expect(decodeFrames(hex('0000000100000000'))).toEqual([
      { type: 'padding', length: 3 },
      { type: 'ping' },
      { type: 'padding', length: 4 },
    ]);
  });

  it('ACK ranges below zero are FRAME_ENCODING_ERROR (RFC 9000 §19.3.1)', () => {
    // Largest 5, first range 6 -> -1.
    expect(decodeError(hex('0205000006')).code).toBe(FRAME_ENCODING_ERROR);
    // Largest 5, first range 2 (smallest 3), gap 1 -> largest 0, range 1 -> -1.
    expect(decodeError(hex('020500010201' + '01')).code).toBe(FRAME_ENCODING_ERROR);
    // Gap that lands at -1.
    expect(decodeError(hex('02050001020200')).code).toBe(FRAME_ENCODING_ERROR);
    // Exactly reaching zero is fine: largest 5, first 2, gap 1, range 0 -> [0,0].
    expect(decodeFrames(hex('02050001020100'))).toMatchObject([
      {
        type: 'ack',
        ranges: [
          [3, 5],
          [0, 0],
        ],
      },
    ]);
  });

  it('ACK of a packet number at or above 2^53-1 is PROTOCOL_VIOLATION', () => {
    const err = decodeError(hex('02 c020000000000000 00 00 00'));
    expect(err.code).toBe(PROTOCOL_VIOLATION);
  });

  it('ACK keeps at most MAX_ACK_RANGES ranges, parses the rest, never expands them', () => {
    const count = 1000;
    const w = BufferWriter.growable();
    w.writeUint8(0x03);
    w.writeVarint(2 ** 40);
    w.writeVarint(0);
    w.writeVarint(count);
    w.writeVarint(2 ** 20); // a huge first range: never expanded
    for (let i = 0; i < count; i++) {
      w.writeVarint(0);
      w.writeVarint(2 ** 20);
    }
    w.writeVarint(1);
    w.writeVarint(2);
    w.writeVarint(3);
    encodeFrame(w, { type: 'ping' });
    const frames = decodeFrames(w.bytes());
    expect(frames).toHaveLength(2);
    const ack = frames[0]!;
    if (ack.type !== 'ack') throw new Error('expected ack');
    expect(ack.ranges).toHaveLength(MAX_ACK_RANGES);
    expect(ack.ranges[1]).toEqual([2 ** 40 - 2 * 2 ** 20 - 2, 2 ** 40 - 2 ** 20 - 2]);
    expect(ack.ecn).toEqual({ ect0: 1, ect1: 2, ce: 3 });
  });

  it('a huge ACK Range Count ends in a truncation error, not a hang', () => {
    expect(decodeError(hex('02 0a 00 bfffffff 00 0000')).code).toBe(FRAME_ENCODING_ERROR);
  });

  it('NEW_TOKEN with an empty token is FRAME_ENCODING_ERROR (RFC 9000 §19.7)', () => {
    const err = decodeError(hex('0700'));
    expect([err.code, err.frameType]).toEqual([FRAME_ENCODING_ERROR, 0x07]);
  });

  it('NEW_CONNECTION_ID: length outside 1..20 and Retire Prior To above Sequence (RFC 9000 §19.15)', () => {
    const token = '00'.repeat(16);
    expect(decodeError(hex(`18 01 00 00 ${token}`)).code).toBe(FRAME_ENCODING_ERROR);
    expect(decodeError(hex(`18 01 00 15 ${'aa'.repeat(21)} ${token}`)).code).toBe(
      FRAME_ENCODING_ERROR,
    );
    expect(decodeError(hex(`18 01 02 01 aa ${token}`)).code).toBe(FRAME_ENCODING_ERROR);
    expect(decodeFrames(hex(`18 02 02 14 ${'aa'.repeat(20)} ${token}`))).toHaveLength(1);
    // Both saturate to 2^53-1 as numbers, but the exact values differ.
    expect(decodeError(hex(`18 c020000000000000 c020000000000001 01 aa ${token}`)).code).toBe(
      FRAME_ENCODING_ERROR,
    );
    expect(decodeFrames(hex(`18 c020000000000001 c020000000000001 01 aa ${token}`))).toHaveLength(
      1,
    );
  });

  it('MAX_STREAMS and STREAMS_BLOCKED above 2^60 are FRAME_ENCODING_ERROR (RFC 9000 §19.11, §19.14)', () => {
    for (const t of ['12', '13', '16', '17']) {
      expect(decodeFrames(hex(`${t} d000000000000000`))).toHaveLength(1); // exactly 2^60
      const err = decodeError(hex(`${t} d000000000000001`));
      expect([err.code, err.frameType]).toEqual([FRAME_ENCODING_ERROR, Number.parseInt(t, 16)]);
    }
  });

  it('STREAM data ending beyond 2^62-1 is FRAME_ENCODING_ERROR, beyond 2^53-1 FLOW_CONTROL_ERROR', () => {
    expect(decodeError(hex('0e 00 ffffffffffffffff 01 aa')).code).toBe(FRAME_ENCODING_ERROR);
    expect(decodeError(hex('0e 00 ffffffffffffffff 00')).code).toBe(FLOW_CONTROL_ERROR);
    expect(decodeError(hex('0e 00 c01fffffffffffff 01 aa')).code).toBe(FLOW_CONTROL_ERROR);
    expect(decodeFrames(hex('0e 00 c01ffffffffffffe 01 aa'))).toMatchObject([
      { offset: 2 ** 53 - 2 },
    ]);
  });

  it('CRYPTO data ending beyond 2^62-1 is FRAME_ENCODING_ERROR, beyond 2^53-1 CRYPTO_BUFFER_EXCEEDED', () => {
    expect(decodeError(hex('06 ffffffffffffffff 01 aa')).code).toBe(FRAME_ENCODING_ERROR);
    expect(decodeError(hex('06 c020000000000000 00')).code).toBe(CRYPTO_BUFFER_EXCEEDED);
  });

  it('checks the packet type before parsing when given one (RFC 9000 §12.4)', () => {
    expect(() => decodeFrames(hex('1e'), PacketType.Handshake)).toThrow(
      expect.objectContaining({ code: PROTOCOL_VIOLATION, frameType: 0x1e }),
    );
    expect(decodeFrames(hex('1e'), PacketType.OneRtt)).toEqual([{ type: 'handshakeDone' }]);
  });
});

describe('frame codec: encoder argument checks', () => {
  it('rejects malformed frame objects with TypeError', () => {
    const bad: Frame[] = [
      { type: 'ack', largest: 5, ackDelay: 0, ranges: [], ecn: undefined },
      { type: 'ack', largest: 5, ackDelay: 0, ranges: [[1, 4]], ecn: undefined },
      {
        type: 'ack',
        largest: 5,
        ackDelay: 0,
        ranges: [
          [3, 5],
          [1, 2],
        ],
        ecn: undefined,
      },
      { type: 'ack', largest: 5, ackDelay: 0, ranges: [[6, 5]], ecn: undefined },
      { type: 'newToken', token: new Uint8Array(0) },
      {
        type: 'newConnectionId',
        sequence: 1,
        retirePriorTo: 0,
        connectionId: new Uint8Array(21),
        statelessResetToken: new Uint8Array(16),
      },
      {
        type: 'newConnectionId',
        sequence: 1,
        retirePriorTo: 2,
        connectionId: new Uint8Array(4),
        statelessResetToken: new Uint8Array(16),
      },
      { type: 'pathChallenge', data: new Uint8Array(7) },
      { type: 'padding', length: 0 },
      { type: 'maxData', maximum: -1 },
    ];
    for (const frame of bad) expect(() => encode(frame), JSON.stringify(frame)).toThrow(TypeError);
  });
});

describe('encodeStreamFrame', () => {
  it('writes the same bytes as encodeFrame for every STREAM frame', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        fc.pre(frame.type === 'stream');
        if (frame.type !== 'stream') return;
        const w = BufferWriter.growable(8);
        encodeStreamFrame(
          w,
          frame.streamId,
          frame.offset,
          frame.data,
          frame.fin,
          frame.explicitLength ?? false,
        );
        expect(toHex(w.bytes())).toBe(toHex(encode(frame)));
      }),
      { numRuns: 300 },
    );
  });
});
