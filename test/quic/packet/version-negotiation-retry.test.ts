import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePacketHeader } from '../../../quic/packet/packet-header.js';
import { PacketType } from '../../../quic/packet/packet-type.js';
import { encodeRetry, retryIntegrityInput } from '../../../quic/packet/retry.js';
import {
  decodeVersionNegotiation,
  encodeVersionNegotiation,
} from '../../../quic/packet/version-negotiation.js';
import {
  greaseVersion,
  isReservedVersion,
  isSupportedVersion,
  QUIC_V1,
  QUIC_V2,
} from '../../../quic/version.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const ODCID = hex('8394c8f03e515708');
// RFC 9001 §A.4 and RFC 9369 §A.4.
const RETRY_V1 = 'ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba';
const RETRY_V2 = 'cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6';

describe('versions (RFC 9000 §15, RFC 9369)', () => {
  it('knows v1 and v2 and recognises 0x?a?a?a?a', () => {
    expect(isSupportedVersion(QUIC_V1) && isSupportedVersion(QUIC_V2)).toBe(true);
    expect(isSupportedVersion(0xff00001d)).toBe(false);
    expect(isReservedVersion(0x1a2a3a4a)).toBe(true);
    expect(isReservedVersion(0x0a0a0a0a)).toBe(true);
    expect(isReservedVersion(QUIC_V1)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (r) => {
        expect(isReservedVersion(greaseVersion(r))).toBe(true);
      }),
    );
  });
});

describe('Version Negotiation (RFC 9000 §17.2.1)', () => {
  it('encodes version 0, echoed CIDs, the list, and sets 0x40 in the random first byte', () => {
    const packet = encodeVersionNegotiation({
      dcid: hex('0102'),
      scid: hex('a1a2a3'),
      versions: [QUIC_V1, QUIC_V2, 0x1a2a3a4a],
      unusedBits: 0x15,
    });
    expect(toHex(packet)).toBe(
      'd5' + '00000000' + '020102' + '03a1a2a3' + '00000001' + '6b3343cf' + '1a2a3a4a',
    );
  });

  it('round trips, with CIDs up to 255 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 255 }),
        fc.uint8Array({ maxLength: 255 }),
        fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 10 }),
        fc.nat({ max: 255 }),
        (dcid, scid, versions, unusedBits) => {
          const packet = encodeVersionNegotiation({ dcid, scid, versions, unusedBits });
          expect(packet[0]! & 0xc0).toBe(0xc0);
          const vn = decodeVersionNegotiation(packet)!;
          expect(toHex(vn.dcid)).toBe(toHex(dcid));
          expect(toHex(vn.scid)).toBe(toHex(scid));
          expect(vn.versions).toEqual(versions);
          expect(parsePacketHeader(packet, 0, 0)?.packetType).toBe(PacketType.VersionNegotiation);
        },
      ),
    );
  });

  it('discards a list that is not a whole number of versions, a non-zero version, truncation', () => {
    const packet = encodeVersionNegotiation({
      dcid: hex('01'),
      scid: hex('02'),
      versions: [1],
      unusedBits: 0,
    });
    expect(decodeVersionNegotiation(packet.subarray(0, packet.length - 1))).toBeUndefined();
    for (let n = 0; n < 9; n++)
      expect(decodeVersionNegotiation(packet.subarray(0, n))).toBeUndefined();
    const notVn = packet.slice();
    notVn[4] = 1;
    expect(decodeVersionNegotiation(notVn)).toBeUndefined();
    expect(decodeVersionNegotiation(hex('40 00000000 00 00'))).toBeUndefined();
  });
});

describe('Retry (RFC 9000 §17.2.5, RFC 9001 §5.8)', () => {
  for (const [name, version, wire] of [
    ['v1 (RFC 9001 A.4)', QUIC_V1, RETRY_V1],
    ['v2 (RFC 9369 A.4)', QUIC_V2, RETRY_V2],
  ] as const) {
    it(`lays out the ${name} packet byte for byte`, () => {
      const layout = encodeRetry(
        {
          version,
          dcid: new Uint8Array(0),
          scid: hex('f067a5502a4262b5'),
          token: hex('746f6b656e'),
          unusedBits: 0xf,
        },
        ODCID,
      );
      expect(layout.tag.length).toBe(16);
      expect(toHex(layout.tag)).toBe('00'.repeat(16));
      layout.tag.set(hex(wire.slice(-32)));
      expect(toHex(layout.packet)).toBe(wire);
      expect(toHex(layout.pseudoPacket)).toBe(`08${toHex(ODCID)}${wire.slice(0, -32)}`);
    });

    it(`parses the ${name} packet and exposes the pseudo-packet and tag`, () => {
      const datagram = hex(wire);
      const h = parsePacketHeader(datagram, 0, 0)!;
      expect(h.packetType).toBe(PacketType.Retry);
      expect(h.version).toBe(version);
      expect(toHex(h.scid)).toBe('f067a5502a4262b5');
      expect(toHex(h.token)).toBe('746f6b656e');
      expect(h.end).toBe(datagram.length);
      const input = retryIntegrityInput(datagram, h, ODCID);
      expect(toHex(input.tag)).toBe(wire.slice(-32));
      expect(toHex(input.pseudoPacket)).toBe(`08${toHex(ODCID)}${wire.slice(0, -32)}`);
    });
  }

  it('discards a Retry with an empty token or shorter than its tag', () => {
    const noToken = hex(`ff000000010008f067a5502a4262b5${'00'.repeat(16)}`);
    expect(parsePacketHeader(noToken, 0, 0)).toBeUndefined();
    expect(parsePacketHeader(hex(RETRY_V1).subarray(0, 20), 0, 0)).toBeUndefined();
  });

  it('rejects bad encode arguments with TypeError', () => {
    expect(() =>
      encodeRetry(
        {
          version: QUIC_V1,
          dcid: new Uint8Array(0),
          scid: new Uint8Array(8),
          token: new Uint8Array(0),
        },
        ODCID,
      ),
    ).toThrow(TypeError);
    expect(() =>
      encodeRetry(
        { version: QUIC_V1, dcid: new Uint8Array(21), scid: new Uint8Array(8), token: hex('01') },
        ODCID,
      ),
    ).toThrow(TypeError);
  });
});
