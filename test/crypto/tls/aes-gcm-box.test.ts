import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { aesGcmOpen, aesGcmSeal, setNativeAesGcmBox } from '../../../crypto/tls/aes-gcm-box.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

afterEach(() => setNativeAesGcmBox(true));

describe.each([
  ['node:crypto', true],
  ['@noble', false],
])('AES-GCM box on %s', (_path, native) => {
  it('NIST GCM test case 4 (AES-128, with AAD) and the AES-256 variant (test case 16)', () => {
    setNativeAesGcmBox(native);
    const plaintext = hex(
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    );
    const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const nonce = hex('cafebabefacedbaddecaf888');
    const key128 = hex('feffe9928665731c6d6a8f9467308308');
    expect(toHex(aesGcmSeal(key128, nonce, aad, plaintext))).toBe(
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
        '5bc94fbc3221a5db94fae95ae7121a47',
    );
    const key256 = hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
    expect(toHex(aesGcmSeal(key256, nonce, aad, plaintext))).toBe(
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
        '76fc6ece0f4e1768cddf8853bb2d551b',
    );
  });

  it('opens what it sealed; a changed byte, AAD, nonce or key does not open', () => {
    setNativeAesGcmBox(native);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        (key, nonce, aad, plaintext, where) => {
          const sealed = aesGcmSeal(key, nonce, aad, plaintext);
          expect(sealed.length).toBe(plaintext.length + 16);
          expect(toHex(aesGcmOpen(key, nonce, aad, sealed)!)).toBe(toHex(plaintext));
          const tampered = sealed.slice();
          tampered[where % tampered.length]! ^= 1;
          expect(aesGcmOpen(key, nonce, aad, tampered)).toBeUndefined();
          expect(aesGcmOpen(key, nonce, Uint8Array.of(...aad, 0), sealed)).toBeUndefined();
          const otherNonce = nonce.slice();
          otherNonce[0]! ^= 1;
          expect(aesGcmOpen(key, otherNonce, aad, sealed)).toBeUndefined();
          const otherKey = key.slice();
          otherKey[31]! ^= 1;
          expect(aesGcmOpen(otherKey, nonce, aad, sealed)).toBeUndefined();
          expect(aesGcmOpen(key, nonce, aad, sealed.subarray(0, 15))).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });
});

it('both paths seal the same bytes', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 200 }),
      (key, nonce, aad, plaintext) => {
        setNativeAesGcmBox(false);
        const pure = aesGcmSeal(key, nonce, aad, plaintext);
        setNativeAesGcmBox(true);
        expect(toHex(aesGcmSeal(key, nonce, aad, plaintext))).toBe(toHex(pure));
      },
    ),
    { numRuns: 100 },
  );
});
