// Shared helpers for the engine property tests: a deterministic `random` so a
// recorded handshake can be replayed byte for byte, and the check that an
// engine failed only in the ways it may.
import { sha256 } from '@noble/hashes/sha2.js';
import { expect } from 'vitest';
import { TlsAlert } from '../../../crypto/tls/alert.js';
import {
  CryptoBufferExceeded,
  type HandshakeEngine,
} from '../../../crypto/tls/handshake-common.js';

/** A deterministic byte stream: SHA-256 in counter mode over a seed. */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let counter = 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) {
      const block = sha256(Uint8Array.of(seed, counter >> 8, counter & 0xff, 0x5e));
      counter++;
      out.set(block.subarray(0, Math.min(32, n - i)), i);
    }
    return out;
  };
}

/**
 * Runs `step`; it may succeed, or fail with a TlsAlert other than
 * internal_error (which would mean a bug escaped as a foreign exception) or
 * CryptoBufferExceeded. Returns whether it failed.
 */
export function failsCleanly(engine: HandshakeEngine, step: () => void): boolean {
  try {
    step();
    return false;
  } catch (e) {
    if (e instanceof CryptoBufferExceeded) return true;
    expect(e).toBeInstanceOf(TlsAlert);
    expect((e as TlsAlert).alertName, (e as Error).message).not.toBe('internal_error');
    // The failed state is sticky: the same error again, nothing new.
    expect(() => engine.receive('initial', Uint8Array.of(0))).toThrow(e as Error);
    expect(engine.poll()).toBeUndefined();
    return true;
  }
}
