// Header protection (RFC 9001 §5.4): masks agree across providers, protect
// and unprotect are inverse, only the bits the RFC names change, and a packet
// too short for the sample is a clean failure.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES } from '../../crypto/cipher-suites.js';
import type { HeaderProtector } from '../../crypto/crypto-provider.js';
import { protectHeader, unprotectHeader } from '../../crypto/header-protection.js';
import { createNativeHeaderProtector, loadNodeCrypto } from '../../crypto/node-provider.js';
import { nodeCryptoProvider, pureCryptoProvider } from '../../crypto/providers.js';

const nodeCrypto = loadNodeCrypto()!;
/** node:crypto's own mask (the node provider uses the faster pure one by default). */
const native = {
  createHeaderProtector: (code: number, key: Uint8Array) =>
    createNativeHeaderProtector(nodeCrypto, code, key),
};
const suites = Object.values(CIPHER_SUITES);

describe.each(suites)('$name header protection', (suite) => {
  it('the node provider hands out a working protector (the pure mask, by measurement)', () => {
    const key = new Uint8Array(suite.keyLength).fill(9);
    const sample = new Uint8Array(16).fill(0x5a);
    const a = nodeCryptoProvider()!
      .createHeaderProtector(suite.code, key)
      .mask(sample, 0)
      .slice(0, 5);
    const b = native.createHeaderProtector(suite.code, key).mask(sample, 0).slice(0, 5);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  const keyArb = fc.uint8Array({ minLength: suite.keyLength, maxLength: suite.keyLength });

  it('pure and node compute the same 5-byte mask for any sample', () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.nat({ max: 20 }),
        (key, sample, at) => {
          const buf = new Uint8Array(at + 16 + 3);
          buf.set(sample, at);
          const a = pureCryptoProvider
            .createHeaderProtector(suite.code, key)
            .mask(buf, at)
            .slice(0, 5);
          const b = native.createHeaderProtector(suite.code, key).mask(buf, at).slice(0, 5);
          expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a ChaCha20 counter with the top bit set (sample[3] >= 0x80) still agrees', () => {
    const key = new Uint8Array(suite.keyLength).fill(0x42);
    const buf = new Uint8Array(16).fill(0xff);
    const a = pureCryptoProvider.createHeaderProtector(suite.code, key).mask(buf, 0).slice(0, 5);
    const b = native.createHeaderProtector(suite.code, key).mask(buf, 0).slice(0, 5);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  const packetArb = fc.record({
    key: keyArb,
    long: fc.boolean(),
    firstLowBits: fc.nat({ max: 0x7f }),
    pnLength: fc.integer({ min: 1, max: 4 }),
    lead: fc.nat({ max: 30 }),
    headerRest: fc.uint8Array({ minLength: 0, maxLength: 40 }),
    body: fc.uint8Array({ minLength: 20, maxLength: 200 }),
    pure: fc.boolean(),
  });

  it('unprotect inverts protect and changes only the protected bits', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const hp: HeaderProtector = (p.pure ? pureCryptoProvider : native).createHeaderProtector(
          suite.code,
          p.key,
        );
        const first = (p.long ? 0x80 : 0x00) | (p.firstLowBits & 0x7c) | (p.pnLength - 1);
        const pnOffset = p.lead + 1 + p.headerRest.length;
        const buf = new Uint8Array(pnOffset + p.body.length);
        buf[p.lead] = first;
        buf.set(p.headerRest, p.lead + 1);
        buf.set(p.body, pnOffset); // pn bytes then "ciphertext"
        const original = buf.slice();
        expect(protectHeader(hp, buf, p.lead, pnOffset)).toBe(true);
        const unprotectedMask = p.long ? 0xf0 : 0xe0;
        expect(buf[p.lead]! & unprotectedMask).toBe(first & unprotectedMask);
        // Only the first byte and the pn bytes may differ.
        for (let i = 0; i < buf.length; i++) {
          if (i === p.lead || (i >= pnOffset && i < pnOffset + p.pnLength)) continue;
          expect(buf[i]).toBe(original[i]);
        }
        const result = unprotectHeader(hp, buf, p.lead, pnOffset);
        let truncated = 0;
        for (let i = 0; i < p.pnLength; i++) truncated = truncated * 256 + original[pnOffset + i]!;
        expect(result).toEqual({ pnLength: p.pnLength, truncatedPacketNumber: truncated });
        expect(Buffer.from(buf).equals(Buffer.from(original))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a packet too short for the sample is refused and left untouched', () => {
    const hp = pureCryptoProvider.createHeaderProtector(
      suite.code,
      new Uint8Array(suite.keyLength),
    );
    for (const hpImpl of [
      hp,
      native.createHeaderProtector(suite.code, new Uint8Array(suite.keyLength)),
    ]) {
      // pnOffset 5: the sample needs bytes 9..24, so the packet must be 25 bytes.
      for (let length = 0; length < 25; length++) {
        const buf = new Uint8Array(length).fill(0x41);
        expect(protectHeader(hpImpl, buf, 0, 5)).toBe(false);
        expect(unprotectHeader(hpImpl, buf, 0, 5)).toBeNull();
        expect(buf.every((x) => x === 0x41)).toBe(true);
      }
      const buf = new Uint8Array(40).fill(0x41);
      // The sample must end inside the packet even if the buffer goes on.
      expect(unprotectHeader(hpImpl, buf, 0, 5, 24)).toBeNull();
      expect(unprotectHeader(hpImpl, buf, 0, 5, 41)).toBeNull();
      expect(unprotectHeader(hpImpl, buf, 5, 5)).toBeNull();
      expect(unprotectHeader(hpImpl, buf, -1, 5)).toBeNull();
      expect(unprotectHeader(hpImpl, buf, 0, 1.5)).toBeNull();
      expect(buf.every((x) => x === 0x41)).toBe(true);
      expect(unprotectHeader(hpImpl, buf, 0, 5, 25)).not.toBeNull();
    }
  });
});
