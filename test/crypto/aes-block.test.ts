import { ecb } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesBlockCipher } from '../../crypto/aes-block.js';
import { hex, toHex } from './quic-vectors.js';

function encrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  new AesBlockCipher(key).encryptBlock(block, 0, out, 0);
  return out;
}

describe('AES block cipher', () => {
  const plaintext = hex('00112233445566778899aabbccddeeff');

  it('FIPS 197 Appendix C.1, C.2, C.3 (AES-128, -192, -256)', () => {
    expect(toHex(encrypt(hex('000102030405060708090a0b0c0d0e0f'), plaintext))).toBe(
      '69c4e0d86a7b0430d8cdb78070b4c55a',
    );
    expect(toHex(encrypt(hex('000102030405060708090a0b0c0d0e0f1011121314151617'), plaintext))).toBe(
      'dda97ca4864cdfe06eaf70a0ec0d7191',
    );
    expect(
      toHex(
        encrypt(hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'), plaintext),
      ),
    ).toBe('8ea2b7ca516745bfeafc49904b496089');
  });

  it('FIPS 197 Appendix A.1 key (2b7e1516...) with the SP 800-38A ECB vector', () => {
    expect(
      toHex(
        encrypt(hex('2b7e151628aed2a6abf7158809cf4f3c'), hex('6bc1bee22e409f96e93d7e117393172a')),
      ),
    ).toBe('3ad77bb40d7a3660a89ecaf32466ef97');
  });

  it('agrees with @noble/ciphers ECB for random keys and blocks, in place too', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (key, block) => {
          const expected = ecb(key, { disablePadding: true }).encrypt(block);
          expect(toHex(encrypt(key, block))).toBe(toHex(expected));
          const inPlace = new Uint8Array(19);
          inPlace.set(block, 3);
          new AesBlockCipher(key).encryptBlock(inPlace, 3, inPlace, 3);
          expect(toHex(inPlace.subarray(3))).toBe(toHex(expected));
        },
      ),
    );
  });

  it('rejects key lengths other than 16, 24 and 32', () => {
    for (const n of [0, 15, 17, 31, 33, 64]) {
      expect(() => new AesBlockCipher(new Uint8Array(n))).toThrow(RangeError);
    }
  });
});
