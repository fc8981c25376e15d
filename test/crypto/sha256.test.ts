// SHA-256 and HMAC-SHA256 of crypto/sha256.ts: the FIPS 180-2 and RFC 4231
// vectors byte for byte, then random keys, messages and splits against
// node:crypto (an independent implementation).
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256, Sha256, sha256 } from '../../crypto/sha256.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (s: string) => new TextEncoder().encode(s);

describe('SHA-256', () => {
  it.each([
    // FIPS 180-2 Appendix B.1, B.2, B.3 and the empty message.
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['a'.repeat(1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ])('FIPS 180-2 vector (%#)', (message, digest) => {
    expect(toHex(sha256(text(message)))).toBe(digest);
  });

  it('equals node:crypto for every length around the padding boundaries and any split', () => {
    for (let length = 0; length <= 200; length++) {
      const message = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      const expected = createHash('sha256').update(message).digest('hex');
      expect(toHex(sha256(message))).toBe(expected);
      const cut = length >> 1;
      expect(toHex(sha256(message.subarray(0, cut), message.subarray(cut)))).toBe(expected);
    }
  });
});

describe('incremental SHA-256', () => {
  it('digests taken between random chunks, with and without an extra tail, equal node:crypto', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }),
        fc.uint8Array({ maxLength: 100 }),
        (chunks, extra) => {
          const running = new Sha256();
          const reference = createHash('sha256');
          for (const chunk of chunks) {
            running.update(chunk);
            reference.update(chunk);
            expect(toHex(running.digest())).toBe(reference.copy().digest('hex'));
            expect(toHex(running.digest(extra))).toBe(reference.copy().update(extra).digest('hex'));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('HMAC-SHA256', () => {
  // RFC 4231 §4.2-§4.8 (test case 5 truncates its output and is left out).
  const aa131 = new Uint8Array(131).fill(0xaa);
  it.each([
    [
      new Uint8Array(20).fill(0x0b),
      text('Hi There'),
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      text('Jefe'),
      text('what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      new Uint8Array(20).fill(0xaa),
      new Uint8Array(50).fill(0xdd),
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    ],
    [
      hex('0102030405060708090a0b0c0d0e0f10111213141516171819'),
      new Uint8Array(50).fill(0xcd),
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    ],
    [
      aa131,
      text('Test Using Larger Than Block-Size Key - Hash Key First'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      aa131,
      text(
        'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      ),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('RFC 4231 test case (%#)', (key, data, mac) => {
    expect(toHex(new HmacSha256(key).mac([data]))).toBe(mac);
  });

  it('equals node:crypto for random keys and messages in random parts', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.uint8Array({ maxLength: 150 }), { maxLength: 4 }),
        (key, parts) => {
          const reference = createHmac('sha256', key);
          for (const part of parts) reference.update(part);
          expect(toHex(new HmacSha256(key).mac(parts))).toBe(reference.digest('hex'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keys are independent and reusable: interleaved MACs under two keys', () => {
    const first = new HmacSha256(text('first key'));
    const second = new HmacSha256(new Uint8Array(100).fill(7));
    for (let i = 0; i < 20; i++) {
      const message = new Uint8Array(i * 7).fill(i);
      expect(toHex(first.mac([message]))).toBe(
        createHmac('sha256', text('first key')).update(message).digest('hex'),
      );
      expect(toHex(second.mac([message]))).toBe(
        createHmac('sha256', new Uint8Array(100).fill(7)).update(message).digest('hex'),
      );
    }
  });

  it('reads the key once: changing the array afterwards changes nothing', () => {
    const key = new Uint8Array(32).fill(1);
    const mac = new HmacSha256(key);
    key.fill(2);
    expect(toHex(mac.mac([text('x')]))).toBe(
      createHmac('sha256', new Uint8Array(32).fill(1)).update('x').digest('hex'),
    );
  });
});
