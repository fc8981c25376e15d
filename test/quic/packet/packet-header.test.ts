import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferWriter } from '../../../quic/coding/writer.js';
import { splitDatagram } from '../../../quic/packet/coalesced.js';
import {
  fillLongHeaderLength,
  writeLongHeader,
  writeShortHeader,
  writeShortHeaderFields,
} from '../../../quic/packet/header-writer.js';
import {
  hasReservedBits,
  keyPhaseBit,
  packetNumberLength,
  parseInvariantHeader,
  parsePacketHeader,
} from '../../../quic/packet/packet-header.js';
import { PacketType } from '../../../quic/packet/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../../quic/version.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// RFC 9001 §A.3: the server's protected Initial packet, in full.
const SERVER_INITIAL_V1 = hex(`
  cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a
  5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
  dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84
  022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4
  2158407dd074ee`);
// RFC 9369 §A.3: the same for QUIC v2.
const SERVER_INITIAL_V2 = hex(`
  dc6b3343cf0008f067a5502a4262b500 4075d92faaf16f05d8a4398c47089698
  baeea26b91eb761d9b89237bbf872630 17915358230035f7fd3945d88965cf17
  f9af6e16886c61bfc703106fbaf3cb4c fa52382dd16a393e42757507698075b2
  c984c707f0a0812d8cd5a6881eaf21ce da98f4bd23f6fe1a3e2c43edd9ce7ca8
  4bed8521e2e140`);
// RFC 9001 §A.5: a protected short-header packet with an empty DCID.
const SHORT_HEADER = hex('4cfe4189655e5cd55c41f69080575d7999c25a5bfb');

function clientInitial(headerHex: string): Uint8Array {
  // RFC 9001 §A.2 / RFC 9369 §A.2: a 1200-byte datagram whose Length is 1182.
  const datagram = new Uint8Array(1200);
  datagram.set(hex(headerHex));
  return datagram;
}

describe('parsePacketHeader: RFC 9001 and RFC 9369 Appendix A packets', () => {
  for (const [name, datagram, version] of [
    ['v1', clientInitial('c000000001088394c8f03e5157080000449e7b9aec34'), QUIC_V1],
    ['v2', clientInitial('d76b3343cf088394c8f03e5157080000449ea0c95e82'), QUIC_V2],
  ] as const) {
    it(`client Initial (${name}): DCID, empty SCID and token, Length 1182`, () => {
      const h = parsePacketHeader(datagram, 0, 8)!;
      expect(h.packetType).toBe(PacketType.Initial);
      expect(h.version).toBe(version);
      expect(toHex(h.dcid)).toBe('8394c8f03e515708');
      expect(h.scid.length).toBe(0);
      expect(h.token.length).toBe(0);
      expect(h.pnOffset).toBe(18);
      expect(h.end).toBe(1200);
    });
  }

  for (const [name, packet, version] of [
    ['v1', SERVER_INITIAL_V1, QUIC_V1],
    ['v2', SERVER_INITIAL_V2, QUIC_V2],
  ] as const) {
    it(`server Initial (${name}) runs exactly to its Length`, () => {
      const h = parsePacketHeader(packet, 0, 0)!;
      expect(h.packetType).toBe(PacketType.Initial);
      expect(h.version).toBe(version);
      expect(h.dcid.length).toBe(0);
      expect(toHex(h.scid)).toBe('f067a5502a4262b5');
      expect(h.pnOffset).toBe(18);
      expect(h.end).toBe(packet.length);
      expect(h.end - h.pnOffset).toBe(0x75);
    });
  }

  it('short header (RFC 9001 A.5): DCID of the supplied length, runs to the end', () => {
    const h = parsePacketHeader(SHORT_HEADER, 0, 0)!;
    expect(h.packetType).toBe(PacketType.OneRtt);
    expect(h.pnOffset).toBe(1);
    expect(h.end).toBe(21);
    const withCid = new Uint8Array([0x40, 1, 2, 3, 4, 9, 9]);
    const h2 = parsePacketHeader(withCid, 0, 4)!;
    expect([...h2.dcid]).toEqual([1, 2, 3, 4]);
    expect(h2.pnOffset).toBe(5);
  });
});

describe('parsePacketHeader: discards', () => {
  it('fixed bit 0 in long and short headers (RFC 9000 §17.2, §17.3.1)', () => {
    const longNoFixed = SERVER_INITIAL_V1.slice();
    longNoFixed[0]! &= ~0x40;
    expect(parsePacketHeader(longNoFixed, 0, 0)).toBeUndefined();
    const shortNoFixed = SHORT_HEADER.slice();
    shortNoFixed[0]! &= ~0x40;
    expect(parsePacketHeader(shortNoFixed, 0, 0)).toBeUndefined();
  });

  it('CID longer than 20 bytes in a v1 long header', () => {
    const w = BufferWriter.growable();
    w.writeUint8(0xc0);
    w.writeUint32(QUIC_V1);
    w.writeUint8(21);
    w.writeZeros(21);
    w.writeUint8(0);
    w.writeBytes(hex('00 05 0000000000'));
    expect(parsePacketHeader(w.bytes(), 0, 0)).toBeUndefined();
    // The invariant header still reads it, for Version Negotiation decisions.
    expect(parseInvariantHeader(w.bytes(), 0)?.dcid.length).toBe(21);
  });

  it('Length past the end of the datagram, or zero', () => {
    expect(parsePacketHeader(SERVER_INITIAL_V1.subarray(0, -1), 0, 0)).toBeUndefined();
    const zero = hex('c0 00000001 00 00 00 00 00');
    expect(parsePacketHeader(zero, 0, 0)).toBeUndefined();
  });

  it('unsupported versions (the invariant header still parses)', () => {
    const other = SERVER_INITIAL_V1.slice();
    other.set([0x1a, 0x2a, 0x3a, 0x4a], 1);
    expect(parsePacketHeader(other, 0, 0)).toBeUndefined();
    expect(parseInvariantHeader(other, 0)).toMatchObject({ long: true, version: 0x1a2a3a4a });
  });

  it('every truncated prefix of a long header is discarded, never thrown', () => {
    for (const packet of [SERVER_INITIAL_V1, SERVER_INITIAL_V2]) {
      for (let n = 0; n < packet.length; n++) {
        expect(parsePacketHeader(packet.subarray(0, n), 0, 0)).toBeUndefined();
      }
    }
    for (let n = 0; n < 2; n++)
      expect(parsePacketHeader(SHORT_HEADER.subarray(0, n), 0, 1)).toBeUndefined();
  });

  it('arbitrary bytes never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 0, max: 20 }),
        (bytes, cidLength) => {
          parsePacketHeader(bytes, 0, cidLength);
          parseInvariantHeader(bytes, 0, cidLength);
          for (const h of splitDatagram(bytes, cidLength)) {
            expect(h.end).toBeLessThanOrEqual(bytes.length);
            expect(h.pnOffset).toBeLessThanOrEqual(h.end);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('header writers', () => {
  it('write the RFC 9001 A.2 client Initial header (v1) and RFC 9369 A.2 (v2)', () => {
    for (const [version, expected] of [
      [QUIC_V1, 'c300000001088394c8f03e5157080000449e00000002'],
      [QUIC_V2, 'd36b3343cf088394c8f03e5157080000449e00000002'],
    ] as const) {
      const w = BufferWriter.growable();
      const h = writeLongHeader(w, {
        packetType: PacketType.Initial,
        version,
        dcid: hex('8394c8f03e515708'),
        scid: new Uint8Array(0),
        token: new Uint8Array(0),
        packetNumber: 2,
        pnLength: 4,
      });
      expect(h.pnOffset).toBe(18);
      w.writeZeros(1162 + 16);
      fillLongHeaderLength(w, h, w.offset);
      expect(toHex(w.bytes().subarray(0, 22))).toBe(expected);
      expect(w.offset).toBe(1200);
    }
  });

  it('write the RFC 9001 A.3 server Initial header (v1) and RFC 9369 A.3 (v2)', () => {
    for (const [version, expected] of [
      [QUIC_V1, 'c1000000010008f067a5502a4262b50040750001'],
      [QUIC_V2, 'd16b3343cf0008f067a5502a4262b50040750001'],
    ] as const) {
      const w = BufferWriter.growable();
      const h = writeLongHeader(w, {
        packetType: PacketType.Initial,
        version,
        dcid: new Uint8Array(0),
        scid: hex('f067a5502a4262b5'),
        packetNumber: 1,
        pnLength: 2,
      });
      w.writeZeros(0x75 - 2);
      fillLongHeaderLength(w, h, w.offset);
      expect(toHex(w.bytes().subarray(0, 20))).toBe(expected);
    }
  });

  it('write the RFC 9001 A.5 short header', () => {
    const w = BufferWriter.growable();
    const h = writeShortHeader(w, {
      dcid: new Uint8Array(0),
      packetNumber: 654360564,
      pnLength: 3,
      keyPhase: false,
    });
    expect(toHex(w.bytes())).toBe('4200bff4');
    expect(h.pnOffset).toBe(1);
  });

  it('writeShortHeaderFields writes what writeShortHeader writes and returns pnOffset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 20 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        (dcid, packetNumber, pnLength, keyPhase, spinBit) => {
          const a = BufferWriter.growable();
          a.writeUint8(0xee); // not at offset 0
          const h = writeShortHeader(a, { dcid, packetNumber, pnLength, keyPhase, spinBit });
          const b = BufferWriter.growable();
          b.writeUint8(0xee);
          const pnOffset = writeShortHeaderFields(
            b,
            dcid,
            packetNumber,
            pnLength,
            keyPhase,
            spinBit,
          );
          expect(toHex(b.bytes())).toBe(toHex(a.bytes()));
          expect(pnOffset).toBe(h.pnOffset);
          expect(h.start).toBe(1);
        },
      ),
    );
  });

  it('long headers of every type and version round trip through the parser', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake),
        fc.constantFrom(QUIC_V1, QUIC_V2),
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom(2, 4),
        (packetType, version, dcid, scid, token, pnLength, payload, lengthFieldSize) => {
          const w = BufferWriter.growable();
          const h = writeLongHeader(w, {
            packetType,
            version,
            dcid,
            scid,
            token: packetType === PacketType.Initial ? token : undefined,
            packetNumber: 0x01020304,
            pnLength,
            lengthFieldSize,
          });
          w.writeZeros(payload);
          fillLongHeaderLength(w, h, w.offset);
          const parsed = parsePacketHeader(w.bytes(), 0, 0)!;
          expect(parsed.packetType).toBe(packetType);
          expect(parsed.version).toBe(version);
          expect(toHex(parsed.dcid)).toBe(toHex(dcid));
          expect(toHex(parsed.scid)).toBe(toHex(scid));
          expect(toHex(parsed.token)).toBe(packetType === PacketType.Initial ? toHex(token) : '');
          expect(parsed.pnOffset).toBe(h.pnOffset);
          expect(parsed.end).toBe(w.offset);
          expect((parsed.firstByte & 3) + 1).toBe(pnLength);
        },
      ),
    );
  });

  it('rejects bad arguments with TypeError', () => {
    const w = BufferWriter.growable();
    const base = {
      packetType: PacketType.Handshake,
      version: QUIC_V1,
      dcid: new Uint8Array(8),
      scid: new Uint8Array(8),
      packetNumber: 0,
      pnLength: 1,
    };
    expect(() => writeLongHeader(w, { ...base, pnLength: 5 })).toThrow(TypeError);
    expect(() => writeLongHeader(w, { ...base, dcid: new Uint8Array(21) })).toThrow(TypeError);
    expect(() => writeLongHeader(w, { ...base, packetType: PacketType.Retry })).toThrow(TypeError);
    expect(() => writeLongHeader(w, { ...base, token: new Uint8Array(1) })).toThrow(TypeError);
    const h = writeLongHeader(w, { ...base, lengthFieldSize: 1 });
    w.writeZeros(100);
    expect(() => fillLongHeaderLength(w, h, w.offset)).toThrow(TypeError);
  });
});

describe('splitDatagram (RFC 9000 §12.2)', () => {
  function longPacket(packetType: PacketType, dcid: Uint8Array, payload: number): Uint8Array {
    const w = BufferWriter.growable();
    const h = writeLongHeader(w, {
      packetType,
      version: QUIC_V1,
      dcid,
      scid: hex('0102'),
      packetNumber: 0,
      pnLength: 1,
    });
    w.writeZeros(payload);
    fillLongHeaderLength(w, h, w.offset);
    return w.bytes().slice();
  }
  const cid = hex('aabbccdd');

  it('splits Initial + Handshake + short by Length fields', () => {
    const initial = longPacket(PacketType.Initial, cid, 30);
    const handshake = longPacket(PacketType.Handshake, cid, 50);
    const short = Uint8Array.of(0x41, ...cid, 0, 1, 2, 3);
    const datagram = Buffer.concat([initial, handshake, short]);
    const packets = splitDatagram(datagram, 4);
    expect(packets.map((p) => [p.packetType, p.start, p.end])).toEqual([
      [PacketType.Initial, 0, initial.length],
      [PacketType.Handshake, initial.length, initial.length + handshake.length],
      [PacketType.OneRtt, initial.length + handshake.length, datagram.length],
    ]);
  });

  it('stops at trailing bytes that do not parse (e.g. zero padding after a packet)', () => {
    const initial = longPacket(PacketType.Initial, cid, 30);
    const datagram = Buffer.concat([initial, new Uint8Array(20)]);
    expect(splitDatagram(datagram, 4)).toHaveLength(1);
  });

  it('ignores a later packet with a different DCID', () => {
    const datagram = Buffer.concat([
      longPacket(PacketType.Initial, cid, 30),
      longPacket(PacketType.Handshake, hex('00112233'), 30),
      longPacket(PacketType.Handshake, cid, 30),
    ]);
    expect(splitDatagram(datagram, 4).map((p) => p.packetType)).toEqual([
      PacketType.Initial,
      PacketType.Handshake,
    ]);
    expect(splitDatagram(datagram, 4)[1]!.start).toBeGreaterThan(60);
  });

  it('rejects a Length past the datagram end', () => {
    const initial = longPacket(PacketType.Initial, cid, 30);
    expect(splitDatagram(initial.subarray(0, initial.length - 1), 4)).toHaveLength(0);
  });
});

describe('first-byte fields after header protection removal', () => {
  it('reads the RFC 9001 A.2 / A.5 unprotected first bytes', () => {
    // c3: long, Initial, reserved 00, 4-byte packet number.
    expect([packetNumberLength(0xc3), hasReservedBits(0xc3)]).toEqual([4, false]);
    // 42: short, key phase 0, 3-byte packet number.
    expect([packetNumberLength(0x42), hasReservedBits(0x42), keyPhaseBit(0x42)]).toEqual([
      3,
      false,
      false,
    ]);
    expect(keyPhaseBit(0x46)).toBe(true);
  });
  it('reserved bits: 0x0c in long headers, 0x18 in short headers (RFC 9000 §17.2, §17.3.1)', () => {
    expect(hasReservedBits(0xc0 | 0x04)).toBe(true);
    expect(hasReservedBits(0xc0 | 0x08)).toBe(true);
    expect(hasReservedBits(0xc0 | 0x10)).toBe(false);
    expect(hasReservedBits(0x40 | 0x08)).toBe(true);
    expect(hasReservedBits(0x40 | 0x10)).toBe(true);
    expect(hasReservedBits(0x40 | 0x04)).toBe(false);
  });
});
