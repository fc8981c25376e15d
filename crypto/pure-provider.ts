// The pure-TypeScript crypto provider: runs on any JavaScript runtime.
// AES-GCM and the AES header-protection mask use our table-driven AES and
// GHASH with per-key precomputation; ChaCha20-Poly1305 uses @noble/ciphers.
import { AesBlockCipher } from './aes-block.js';
import { readWord, writeWord } from './bytes.js';
import { ChaCha20Block } from './chacha20-block.js';
import type { CipherSuiteInfo } from './cipher-suites.js';
import {
  type CryptoProvider,
  type HeaderProtector,
  type PacketAead,
  requireIvLength,
  requireKeyLength,
  requireSuite,
} from './crypto-provider.js';
import { PureAesGcm } from './pure-aes-gcm.js';
import { PureChaCha20Poly1305 } from './pure-chacha20-poly1305.js';

// The mask is consumed at once by the caller, so every protector writes it
// into one shared buffer rather than holding its own.
const maskScratch = new Uint8Array(16);

/** RFC 9001 §5.4.3: mask = AES-ECB(hp_key, sample). */
export class PureAesHeaderProtector implements HeaderProtector {
  readonly suite: CipherSuiteInfo;
  private readonly aes: AesBlockCipher;

  constructor(suite: CipherSuiteInfo, hpKey: Uint8Array) {
    this.suite = suite;
    this.aes = new AesBlockCipher(hpKey);
  }

  mask(buf: Uint8Array, sampleOffset: number): Uint8Array {
    const { aes } = this;
    const out = maskScratch;
    aes.encrypt(
      readWord(buf, sampleOffset),
      readWord(buf, sampleOffset + 4),
      readWord(buf, sampleOffset + 8),
      readWord(buf, sampleOffset + 12),
    );
    writeWord(out, 0, aes.o0);
    out[4] = aes.o1 >>> 24;
    return out;
  }
}

/**
 * RFC 9001 §5.4.4: counter = sample[0..3] (little-endian), nonce =
 * sample[4..15], mask = ChaCha20(hp_key, counter, nonce, {0,0,0,0,0}), i.e.
 * the first 5 bytes of that keystream block.
 */
export class PureChaChaHeaderProtector implements HeaderProtector {
  readonly suite: CipherSuiteInfo;
  private readonly chacha: ChaCha20Block;

  constructor(suite: CipherSuiteInfo, hpKey: Uint8Array) {
    this.suite = suite;
    this.chacha = new ChaCha20Block(hpKey);
  }

  mask(buf: Uint8Array, sampleOffset: number): Uint8Array {
    const counter =
      buf[sampleOffset]! |
      (buf[sampleOffset + 1]! << 8) |
      (buf[sampleOffset + 2]! << 16) |
      (buf[sampleOffset + 3]! << 24);
    return this.chacha.block(counter, buf, sampleOffset + 4);
  }
}

export const pureCryptoProvider: CryptoProvider = {
  name: 'pure',
  createAead(code: number, key: Uint8Array, iv: Uint8Array): PacketAead {
    const suite = requireSuite(code);
    requireKeyLength(suite, 'key', key);
    requireIvLength(suite, iv);
    return suite.aead === 'aes-gcm'
      ? new PureAesGcm(suite, key, iv)
      : new PureChaCha20Poly1305(suite, key, iv);
  },
  createHeaderProtector(code: number, hpKey: Uint8Array): HeaderProtector {
    const suite = requireSuite(code);
    requireKeyLength(suite, 'hpKey', hpKey);
    return suite.aead === 'aes-gcm'
      ? new PureAesHeaderProtector(suite, hpKey)
      : new PureChaChaHeaderProtector(suite, hpKey);
  },
};
