// Properties of packet payload protection over random keys, IVs, packet
// numbers, headers and payloads of 0..1500 bytes: pure and node agree byte
// for byte, both agree with an independent reference (@noble/ciphers with an
// explicitly built nonce), open inverts seal, and any corruption fails
// cleanly with the buffer untouched.
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES, type CipherSuiteInfo } from '../../crypto/cipher-suites.js';
import type { CryptoProvider } from '../../crypto/crypto-provider.js';
import { nodeCryptoProvider, pureCryptoProvider } from '../../crypto/providers.js';

const node = nodeCryptoProvider()!;
const suites = Object.values(CIPHER_SUITES);

/** RFC 9001 §5.3, written independently of crypto/packet-nonce.ts. */
function referenceNonce(iv: Uint8Array, pn: bigint): Uint8Array {
  const nonce = iv.slice();
  for (let i = 0; i < 8; i++) nonce[11 - i] ^= Number((pn >> BigInt(8 * i)) & 0xffn);
  return nonce;
}

function referenceSeal(
  suite: CipherSuiteInfo,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
) {
  return suite.aead === 'aes-gcm'
    ? gcm(key, nonce, aad).encrypt(pt)
    : chacha20poly1305(key, nonce, aad).encrypt(pt);
}

const packetArb = (suite: CipherSuiteInfo) =>
  fc.record({
    key: fc.uint8Array({ minLength: suite.keyLength, maxLength: suite.keyLength }),
    iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    pn: fc.bigInt({ min: 0n, max: 2n ** 62n - 1n }),
    lead: fc.nat({ max: 40 }), // bytes before the header: an earlier coalesced packet
    header: fc.uint8Array({ minLength: 0, maxLength: 64 }),
    payload: fc.uint8Array({ minLength: 0, maxLength: 1500 }),
  });

function layout(lead: number, header: Uint8Array, payload: Uint8Array) {
  const buf = new Uint8Array(lead + header.length + payload.length + 16 + 7);
  buf.fill(0xa5);
  buf.set(header, lead);
  buf.set(payload, lead + header.length);
  return {
    buf,
    start: lead,
    payloadStart: lead + header.length,
    payloadEnd: lead + header.length + payload.length,
  };
}

/** One generated packet: what packetArb produces. */
type PacketSample = ReturnType<typeof packetArb> extends fc.Arbitrary<infer T> ? T : never;

function sealWith(provider: CryptoProvider, suite: CipherSuiteInfo, p: PacketSample) {
  const aead = provider.createAead(suite.code, p.key, p.iv);
  const l = layout(p.lead, p.header, p.payload);
  const end = aead.seal(p.pn, l.buf, l.start, l.payloadStart, l.payloadEnd);
  expect(end).toBe(l.payloadEnd + 16);
  return { ...l, end };
}

describe.each(suites)('$name packet AEAD properties', (suite) => {
  it('pure and node seal identically, and match the reference AEAD', () => {
    fc.assert(
      fc.property(packetArb(suite), (p) => {
        const a = sealWith(pureCryptoProvider, suite, p);
        const b = sealWith(node, suite, p);
        expect(Buffer.from(a.buf).equals(Buffer.from(b.buf))).toBe(true);
        const reference = referenceSeal(
          suite,
          p.key,
          referenceNonce(p.iv, p.pn),
          p.header,
          p.payload,
        );
        expect(
          Buffer.from(a.buf.subarray(a.payloadStart, a.end)).equals(Buffer.from(reference)),
        ).toBe(true);
        // Bytes outside the packet are not touched.
        expect(a.buf.subarray(0, a.start).every((x) => x === 0xa5)).toBe(true);
        expect(a.buf.subarray(a.end).every((x) => x === 0xa5)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('open inverts seal with either provider, across providers', () => {
    fc.assert(
      fc.property(packetArb(suite), fc.boolean(), fc.boolean(), (p, sealPure, openPure) => {
        const sealer = sealPure ? pureCryptoProvider : node;
        const opener = (openPure ? pureCryptoProvider : node).createAead(suite.code, p.key, p.iv);
        const s = sealWith(sealer, suite, p);
        expect(opener.open(p.pn, s.buf, s.start, s.payloadStart, s.end)).toBe(s.payloadEnd);
        expect(
          Buffer.from(s.buf.subarray(s.start, s.payloadStart)).equals(Buffer.from(p.header)),
        ).toBe(true);
        expect(
          Buffer.from(s.buf.subarray(s.payloadStart, s.payloadEnd)).equals(Buffer.from(p.payload)),
        ).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('flipping any byte of header, ciphertext or tag makes open fail and leaves the buffer as it was', () => {
    fc.assert(
      fc.property(
        packetArb(suite),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (p, at, bits, openPure) => {
          const s = sealWith(pureCryptoProvider, suite, p);
          const index = s.start + (at % (s.end - s.start));
          s.buf[index] ^= bits;
          const before = s.buf.slice();
          const opener = (openPure ? pureCryptoProvider : node).createAead(suite.code, p.key, p.iv);
          expect(opener.open(p.pn, s.buf, s.start, s.payloadStart, s.end)).toBe(-1);
          expect(Buffer.from(s.buf).equals(Buffer.from(before))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the wrong packet number, key or truncated packet fails to open', () => {
    fc.assert(
      fc.property(packetArb(suite), fc.integer({ min: 1, max: 40 }), (p, cut) => {
        for (const provider of [pureCryptoProvider, node]) {
          const s = sealWith(pureCryptoProvider, suite, p);
          const aead = provider.createAead(suite.code, p.key, p.iv);
          const otherPn = p.pn === 0n ? 1n : p.pn - 1n;
          expect(aead.open(otherPn, s.buf, s.start, s.payloadStart, s.end)).toBe(-1);
          const otherKey = p.key.slice();
          otherKey[0] ^= 1;
          const wrong = provider.createAead(suite.code, otherKey, p.iv);
          expect(wrong.open(p.pn, s.buf, s.start, s.payloadStart, s.end)).toBe(-1);
          const end = Math.max(s.payloadStart, s.end - cut);
          expect(aead.open(p.pn, s.buf, s.start, s.payloadStart, end)).toBe(-1);
          // Moving the header/payload boundary changes the AAD.
          if (s.payloadStart > s.start) {
            expect(aead.open(p.pn, s.buf, s.start, s.payloadStart - 1, s.end)).toBe(-1);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a number and a bigint packet number give the same nonce', () => {
    const key = new Uint8Array(suite.keyLength).fill(3);
    const iv = new Uint8Array(12).fill(9);
    for (const pn of [0, 1, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER]) {
      const a = layout(0, new Uint8Array([0x40]), new Uint8Array(20));
      const b = layout(0, new Uint8Array([0x40]), new Uint8Array(20));
      pureCryptoProvider.createAead(suite.code, key, iv).seal(pn, a.buf, 0, 1, 21);
      node.createAead(suite.code, key, iv).seal(BigInt(pn), b.buf, 0, 1, 21);
      expect(Buffer.from(a.buf).equals(Buffer.from(b.buf))).toBe(true);
    }
  });
});

describe('packet AEAD bad input', () => {
  const suite = CIPHER_SUITES[0x1301];
  for (const provider of [pureCryptoProvider, node]) {
    describe(`${provider.name} provider`, () => {
      it('rejects wrong key and IV lengths and unknown suites at construction', () => {
        expect(() => provider.createAead(0x1301, new Uint8Array(32), new Uint8Array(12))).toThrow(
          RangeError,
        );
        expect(() => provider.createAead(0x1303, new Uint8Array(16), new Uint8Array(12))).toThrow(
          RangeError,
        );
        expect(() => provider.createAead(0x1301, new Uint8Array(16), new Uint8Array(8))).toThrow(
          RangeError,
        );
        expect(() => provider.createAead(0x1304, new Uint8Array(16), new Uint8Array(12))).toThrow(
          TypeError,
        );
        expect(() => provider.createHeaderProtector(0x1302, new Uint8Array(16))).toThrow(
          RangeError,
        );
        expect(() => provider.createHeaderProtector(0x00ff, new Uint8Array(16))).toThrow(TypeError);
      });

      it('seal throws RangeError for caller bugs: no room for the tag, bad offsets, bad packet numbers', () => {
        const aead = provider.createAead(suite.code, new Uint8Array(16), new Uint8Array(12));
        const buf = new Uint8Array(40);
        expect(() => aead.seal(0, buf, 0, 10, 30)).toThrow(RangeError);
        expect(() => aead.seal(0, buf, 10, 5, 20)).toThrow(RangeError);
        expect(() => aead.seal(0, buf, -1, 5, 20)).toThrow(RangeError);
        expect(() => aead.seal(-1, buf, 0, 5, 20)).toThrow(RangeError);
        expect(() => aead.seal(1.5, buf, 0, 5, 20)).toThrow(RangeError);
        expect(() => aead.seal(2n ** 62n, buf, 0, 5, 20)).toThrow(RangeError);
        expect(aead.seal(2n ** 62n - 1n, buf, 0, 5, 20)).toBe(36);
      });

      it('open returns -1 for ranges that cannot hold a tag or lie outside the buffer', () => {
        const aead = provider.createAead(suite.code, new Uint8Array(16), new Uint8Array(12));
        const buf = new Uint8Array(40);
        const end = aead.seal(7, buf, 0, 4, 20);
        for (let cut = 0; cut < end; cut++) {
          expect(aead.open(7, buf.slice(), 0, 4, cut)).toBe(-1);
        }
        expect(aead.open(7, buf, 0, 4, 41)).toBe(-1);
        expect(aead.open(7, buf, 5, 4, end)).toBe(-1);
        expect(aead.open(7, buf, -1, 4, end)).toBe(-1);
        expect(aead.open(7, buf, 0, 4, end)).toBe(20);
      });

      it('an empty payload and an empty header seal and open', () => {
        const aead = provider.createAead(
          suite.code,
          new Uint8Array(16).fill(1),
          new Uint8Array(12),
        );
        const buf = new Uint8Array(16);
        expect(aead.seal(0, buf, 0, 0, 0)).toBe(16);
        expect(aead.open(0, buf, 0, 0, 16)).toBe(0);
      });
    });
  }
});

describe('offsets that are not integers', () => {
  for (const provider of [pureCryptoProvider, node]) {
    it(`${provider.name}: seal throws RangeError, open returns -1`, () => {
      const aead = provider.createAead(0x1301, new Uint8Array(16), new Uint8Array(12));
      const buf = new Uint8Array(64);
      expect(() => aead.seal(0, buf, 0, 4.5, 20)).toThrow(RangeError);
      expect(() => aead.seal(0, buf, Number.NaN, 4, 20)).toThrow(RangeError);
      expect(aead.open(0, buf, 0, 4.5, 40)).toBe(-1);
      expect(aead.open(0, buf, 0, 4, Number.NaN)).toBe(-1);
    });
  }
});

describe('buffers that are views into larger ArrayBuffers', () => {
  it('seal/open through subarrays with a byteOffset, alternating buffers, match node', () => {
    for (const suite of suites) {
      const key = new Uint8Array(suite.keyLength).fill(0x11);
      const iv = new Uint8Array(12).fill(0x22);
      const pure = pureCryptoProvider.createAead(suite.code, key, iv);
      const native = node.createAead(suite.code, key, iv);
      const backing = new Uint8Array(4096);
      for (let i = 0; i < backing.length; i++) backing[i] = i * 7;
      const a = backing.subarray(3, 3 + 300);
      const b = backing.subarray(1001, 1001 + 300);
      const expected = b.slice();
      native.seal(9, expected, 5, 25, 250);
      for (let round = 0; round < 3; round++) {
        const copyA = a.slice();
        pure.seal(9, a, 5, 25, 250);
        pure.seal(9, b, 5, 25, 250);
        expect(toHexOf(b)).toBe(toHexOf(expected));
        expect(pure.open(9, b, 5, 25, 266)).toBe(250);
        expect(pure.open(9, a, 5, 25, 266)).toBe(250);
        // Open restores header and payload; the tag bytes after them stay.
        expect(toHexOf(a.subarray(0, 250))).toBe(toHexOf(copyA.subarray(0, 250)));
      }
    }
  });
});

function toHexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
