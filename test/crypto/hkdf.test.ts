import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hkdfExpand,
  hkdfExpandLabel,
  hkdfExtract,
  hmac,
  hmacKey,
  labelExpander,
  setNativeHkdf,
} from '../../crypto/hkdf.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('HKDF', () => {
  it('RFC 5869 A.1 test case 1', () => {
    const ikm = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
    const salt = hex('000102030405060708090a0b0c');
    const info = hex('f0f1f2f3f4f5f6f7f8f9');
    const prk = hkdfExtract('sha256', salt, ikm);
    expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(toHex(hkdfExpand('sha256', prk, info, 42))).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('RFC 9001 A.1: client initial secret expands to the quic key', () => {
    // RFC 9001 §A.1: client_initial_secret and its "quic key".
    const clientInitial = hex('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
    expect(toHex(hkdfExpandLabel('sha256', clientInitial, 'quic key', new Uint8Array(0), 16))).toBe(
      '1f369613dd76d5467730efcbe3b1a22d',
    );
  });

  it('rejects a label that does not fit', () => {
    expect(() =>
      hkdfExpandLabel('sha256', new Uint8Array(32), 'x'.repeat(250), new Uint8Array(0), 16),
    ).toThrow(RangeError);
  });
});

describe('HKDF on every path', () => {
  it('SHA-256 (sha256.ts) equals node:crypto hkdfSync for random inputs and lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 255 * 32 }),
        (ikm, salt, info, length) => {
          const expected = Buffer.from(hkdfSync('sha256', ikm, salt, info, length)).toString('hex');
          expect(toHex(hkdfExpand('sha256', hkdfExtract('sha256', salt, ikm), info, length))).toBe(
            expected,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SHA-384: node:crypto HMAC and @noble give the same bytes', () => {
    const cases: [Uint8Array, Uint8Array, Uint8Array, number][] = [
      [hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42],
      [hex('0b'.repeat(22)), new Uint8Array(0), new Uint8Array(0), 42],
      [
        new Uint8Array(80).map((_, i) => i),
        new Uint8Array(80).map((_, i) => 0x60 + i),
        new Uint8Array(80).map((_, i) => 0xb0 + i),
        82,
      ],
    ];
    const run = () =>
      cases.map(([ikm, salt, info, length]) => {
        const prk = hkdfExtract('sha384', salt, ikm);
        return (
          toHex(prk) +
          toHex(hkdfExpand('sha384', prk, info, length)) +
          toHex(hkdfExpandLabel('sha384', prk, 'quic key', info.subarray(0, 32), 100))
        );
      });
    setNativeHkdf(false);
    const pure = run();
    setNativeHkdf(true);
    const native = run();
    expect(native).toEqual(pure);
    // And both are HKDF: node:crypto's own hkdfSync (extract and expand in one).
    for (const [ikm, salt, info, length] of cases) {
      expect(toHex(hkdfExpand('sha384', hkdfExtract('sha384', salt, ikm), info, length))).toBe(
        Buffer.from(hkdfSync('sha384', ikm, salt, info, length)).toString('hex'),
      );
    }
  });

  it('labelExpander gives what hkdfExpandLabel gives, for either hash, and keeps its own copy of the secret', () => {
    for (const name of ['sha256', 'sha384'] as const) {
      const secret = new Uint8Array(name === 'sha256' ? 32 : 48).map((_, i) => i * 3);
      const expected = ['quic key', 'quic iv', 'quic hp', 'quicv2 key'].map((label) =>
        toHex(hkdfExpandLabel(name, secret, label, new Uint8Array(0), 16)),
      );
      const expand = labelExpander(name, secret);
      secret.fill(0);
      const got = ['quic key', 'quic iv', 'quic hp', 'quicv2 key'].map((label) =>
        toHex(expand(label, new Uint8Array(0), 16)),
      );
      expect(got).toEqual(expected);
    }
  });
});

describe('HMAC', () => {
  // RFC 4231 §4.2 and §4.3 (test cases 1 and 2), SHA-256 and SHA-384.
  const cases: [Uint8Array, Uint8Array, string, string][] = [
    [
      hex('0b'.repeat(20)),
      new TextEncoder().encode('Hi There'),
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    ],
    [
      new TextEncoder().encode('Jefe'),
      new TextEncoder().encode('what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    ],
  ];

  it.each([
    ['node:crypto', true],
    ['@noble', false],
  ])('RFC 4231 test cases 1 and 2 on %s', (_path, native) => {
    setNativeHkdf(native);
    try {
      for (const [key, data, sha256, sha384] of cases) {
        expect(toHex(hmac('sha256', key, data))).toBe(sha256);
        expect(toHex(hmac('sha384', key, data))).toBe(sha384);
      }
    } finally {
      setNativeHkdf(true);
    }
  });

  it('a key made once MACs split messages as hmac() does the whole, for either hash and path', () => {
    const key = new Uint8Array(40).map((_, i) => i);
    const message = new Uint8Array(130).map((_, i) => 255 - i);
    for (const native of [true, false]) {
      setNativeHkdf(native);
      try {
        for (const name of ['sha256', 'sha384'] as const) {
          const keyed = hmacKey(name, key);
          const whole = toHex(hmac(name, key, message));
          expect(toHex(keyed.mac([message.subarray(0, 7), message.subarray(7)]))).toBe(whole);
          expect(toHex(keyed.mac([message]))).toBe(whole);
        }
      } finally {
        setNativeHkdf(true);
      }
    }
  });

  it('labels given as strings and as bytes expand alike (the encoded labels are cached)', () => {
    const secret = new Uint8Array(32).map((_, i) => i);
    for (let i = 0; i < 100; i++) {
      // More distinct labels than the cache holds: the uncached path too.
      const label = `label ${i}`;
      const asString = hkdfExpandLabel('sha256', secret, label, new Uint8Array(0), 16);
      const again = hkdfExpandLabel('sha256', secret, label, new Uint8Array(0), 16);
      const asBytes = hkdfExpandLabel(
        'sha256',
        secret,
        new TextEncoder().encode(label),
        new Uint8Array(0),
        16,
      );
      expect(toHex(again)).toBe(toHex(asString));
      expect(toHex(asBytes)).toBe(toHex(asString));
    }
  });
});
