// protectPacket / unprotectPacket: the RFC 9001 and RFC 9369 Appendix A
// packets through the one-call API, coalesced packets addressed by offsets,
// and failures that leave the datagram exactly as it was.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CipherSuite } from '../../crypto/cipher-suites.js';
import { deriveInitialKeys } from '../../crypto/initial-secrets.js';
import { derivePacketKeys } from '../../crypto/packet-keys.js';
import {
  minimumPayloadLength,
  protectPacket,
  unprotectPacket,
} from '../../crypto/packet-protection.js';
import { nodeCryptoProvider, pureCryptoProvider } from '../../crypto/providers.js';
import { hex, RFC9001_VECTORS, RFC9369_VECTORS, toHex } from './quic-vectors.js';

const node = nodeCryptoProvider()!;
/** Enough for the vectors: the expected packet number is the truncated one. */
const identity = (truncated: number) => truncated;

describe.each([RFC9001_VECTORS, RFC9369_VECTORS])(
  'one-call packet protection, version $version',
  (v) => {
    for (const provider of [pureCryptoProvider, node]) {
      it(`${provider.name}: A.2 and A.3 coalesced into one datagram, then taken apart`, () => {
        const keys = deriveInitialKeys(v.version, hex(v.dcid), provider);
        const clientHeader = hex(v.clientHeader);
        const serverHeader = hex(v.serverHeader);
        const serverPayload = hex(v.serverPayload);
        const datagram = new Uint8Array(hex(v.serverPacket).length + 1200);
        // Server Initial first, then the client Initial: just to exercise offsets.
        datagram.set(serverHeader, 0);
        datagram.set(serverPayload, serverHeader.length);
        const end1 = protectPacket(
          keys.server,
          v.serverPacketNumber,
          datagram,
          0,
          18,
          serverHeader.length + serverPayload.length,
        );
        const payload = new Uint8Array(1162);
        payload.set(hex(v.clientCryptoFrame));
        datagram.set(clientHeader, end1);
        datagram.set(payload, end1 + clientHeader.length);
        const end2 = protectPacket(
          keys.client,
          v.clientPacketNumber,
          datagram,
          end1,
          end1 + 18,
          end1 + 22 + 1162,
        );
        expect(end2).toBe(datagram.length);
        expect(toHex(datagram.subarray(0, end1))).toBe(v.serverPacket);
        expect(toHex(datagram.subarray(end1))).toBe(v.clientPacket);

        const second = unprotectPacket(keys.client, datagram, end1, end1 + 18, end2, identity);
        expect(second).toEqual({
          packetNumber: 2,
          pnLength: 4,
          payloadStart: end1 + 22,
          payloadEnd: end2 - 16,
        });
        const first = unprotectPacket(keys.server, datagram, 0, 18, end1, identity);
        expect(first).toEqual({
          packetNumber: 1,
          pnLength: 2,
          payloadStart: 20,
          payloadEnd: end1 - 16,
        });
        expect(toHex(datagram.subarray(20, end1 - 16))).toBe(v.serverPayload);
      });

      it(`${provider.name}: A.5 short header, and a failed open restores the buffer`, () => {
        const c = v.chacha;
        const keys = derivePacketKeys(
          hex(c.secret),
          CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
          v.version,
          provider,
        );
        const buf = new Uint8Array(21);
        buf.set(hex(c.header));
        buf[4] = 0x01;
        expect(protectPacket(keys, c.packetNumber, buf, 0, 1, 5)).toBe(21);
        expect(toHex(buf)).toBe(c.packet);
        const wrongKeys = derivePacketKeys(
          new Uint8Array(32),
          CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
          v.version,
          provider,
        );
        expect(unprotectPacket(wrongKeys, buf, 0, 1, 21, () => c.packetNumber)).toBeNull();
        expect(toHex(buf)).toBe(c.packet);
        // The right header key but the wrong full packet number: AEAD fails, buffer restored.
        expect(unprotectPacket(keys, buf, 0, 1, 21, () => c.packetNumber + 1)).toBeNull();
        expect(toHex(buf)).toBe(c.packet);
        const ok = unprotectPacket(keys, buf, 0, 1, 21, (t, len) => {
          expect([t, len]).toEqual([49140, 3]);
          return c.packetNumber;
        });
        expect(ok).toEqual({
          packetNumber: c.packetNumber,
          pnLength: 3,
          payloadStart: 4,
          payloadEnd: 5,
        });
        expect(buf[4]).toBe(1);
      });
    }
  },
);

describe('protectPacket padding rule (RFC 9001 §5.4.2)', () => {
  it('needs pn length + payload length >= 4', () => {
    expect([1, 2, 3, 4].map(minimumPayloadLength)).toEqual([3, 2, 1, 0]);
    const keys = derivePacketKeys(new Uint8Array(32), 0x1301, 1, pureCryptoProvider);
    const buf = new Uint8Array(40);
    buf[0] = 0x40; // short header, 1-byte packet number at offset 1
    expect(() => protectPacket(keys, 0, buf, 0, 1, 4)).toThrow(RangeError);
    expect(protectPacket(keys, 0, buf, 0, 1, 5)).toBe(21);
  });

  it('every truncation of a protected packet fails cleanly and leaves it intact', () => {
    const keys = derivePacketKeys(new Uint8Array(32).fill(4), 0x1301, 1, pureCryptoProvider);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 3, max: 60 }),
        (pnLength, payloadLength) => {
          const buf = new Uint8Array(1 + 8 + pnLength + payloadLength + 16);
          buf[0] = 0x40 | (pnLength - 1);
          const end = protectPacket(keys, 77, buf, 0, 9, 9 + pnLength + payloadLength);
          const original = buf.slice();
          for (let cut = 0; cut < end; cut++) {
            expect(unprotectPacket(keys, buf, 0, 9, cut, () => 77)).toBeNull();
            expect(Buffer.from(buf).equals(Buffer.from(original))).toBe(true);
          }
          expect(unprotectPacket(keys, buf, 0, 9, end, () => 77)?.payloadEnd).toBe(end - 16);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('unprotectPacket on arbitrary bytes', () => {
  it('never throws and never accepts, whatever the bytes and offsets', () => {
    const keySets = [0x1301, 0x1302, 0x1303].flatMap((suite) =>
      [pureCryptoProvider, node].map((provider) =>
        derivePacketKeys(new Uint8Array(suite === 0x1302 ? 48 : 32).fill(6), suite, 1, provider),
      ),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 1500 }),
        fc.integer({ min: -5, max: 1600 }),
        fc.integer({ min: -5, max: 1600 }),
        fc.integer({ min: -5, max: 1600 }),
        fc.nat({ max: keySets.length - 1 }),
        (bytes, headerStart, pnOffset, packetEnd, k) => {
          const before = bytes.slice();
          const result = unprotectPacket(
            keySets[k]!,
            bytes,
            headerStart,
            pnOffset,
            packetEnd,
            (t) => t,
          );
          expect(result).toBeNull();
          expect(Buffer.from(bytes).equals(Buffer.from(before))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
