import { chacha20 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChaCha20Block } from '../../crypto/chacha20-block.js';
import { hex, toHex } from './quic-vectors.js';

describe('ChaCha20 block function', () => {
  it('RFC 8439 §2.3.2 test vector', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const nonce = hex('000000090000004a00000000');
    expect(toHex(new ChaCha20Block(key).block(1, nonce, 0))).toBe(
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e' +
        'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e',
    );
  });

  it('agrees with @noble/ciphers for random keys, nonces and counters below 2^32 - 1', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.nat({ max: 0xfffffffe }),
        (key, nonce, counter) => {
          const expected = chacha20(key, nonce, new Uint8Array(64), undefined, counter);
          expect(toHex(new ChaCha20Block(key).block(counter, nonce, 0))).toBe(toHex(expected));
        },
      ),
    );
  });

  it('accepts the largest counter, 0xffffffff (a peer can put it in the sample)', () => {
    const block = new ChaCha20Block(new Uint8Array(32)).block(0xffffffff, new Uint8Array(12), 0);
    expect(block.length).toBe(64);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => new ChaCha20Block(new Uint8Array(16))).toThrow(RangeError);
  });
});
