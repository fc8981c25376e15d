// The native crypto provider: node:crypto (OpenSSL in Node.js and Deno,
// BoringSSL in Bun). It is loaded with process.getBuiltinModule rather than a
// static import so that the package still loads where node:crypto does not
// exist (browsers, workers); there the pure provider is used instead. A
// primitive the runtime's node:crypto lacks falls back to the pure one.
import type * as NodeCrypto from 'node:crypto';
import type { CipherSuiteInfo } from './cipher-suites.js';
import {
  AEAD_TAG_LENGTH,
  type CryptoProvider,
  checkSealRange,
  type HeaderProtector,
  type PacketAead,
  requireIvLength,
  requireKeyLength,
  requireSuite,
  validOpenRange,
} from './crypto-provider.js';
import { PacketIv } from './packet-nonce.js';
import { pureCryptoProvider } from './pure-provider.js';

type NodeCryptoModule = typeof NodeCrypto;

/** node:crypto where the runtime has it (Node >= 20.16, Deno, Bun), else undefined. */
export function loadNodeCrypto(): NodeCryptoModule | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
      .process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as NodeCryptoModule | undefined;
    return typeof mod?.createCipheriv === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}

function aeadAlgorithm(suite: CipherSuiteInfo): string {
  return suite.aead === 'aes-gcm' ? `aes-${suite.keyLength * 8}-gcm` : 'chacha20-poly1305';
}

function headerProtectionAlgorithm(suite: CipherSuiteInfo): string {
  return suite.aead === 'aes-gcm' ? `aes-${suite.keyLength * 8}-ecb` : 'chacha20';
}

// Per-packet scratch shared by every NodeAead: seal and open are synchronous
// and never re-entered, and an idle connection should not carry its own copies.
const nonceScratch = new Uint8Array(12);
const DECIPHER_OPTIONS = { authTagLength: AEAD_TAG_LENGTH };

/**
 * OpenSSL cannot rekey a GCM context with a new nonce through the Node API,
 * so each packet gets a fresh cipher context. The key stays raw bytes: a
 * KeyObject made packets no cheaper and cost ~5 us to create, six times per
 * handshake (Initial, Handshake and 1-RTT keys, both directions).
 */
class NodeAead implements PacketAead {
  readonly suite: CipherSuiteInfo;
  private readonly crypto: NodeCryptoModule;
  private readonly algorithm: NodeCrypto.CipherGCMTypes;
  private readonly key: Uint8Array;
  private readonly iv: PacketIv;

  constructor(crypto: NodeCryptoModule, suite: CipherSuiteInfo, key: Uint8Array, iv: Uint8Array) {
    this.crypto = crypto;
    this.suite = suite;
    this.algorithm = aeadAlgorithm(suite) as NodeCrypto.CipherGCMTypes;
    this.key = key.slice();
    this.iv = new PacketIv(iv);
  }

  seal(
    packetNumber: number | bigint,
    buf: Uint8Array,
    headerStart: number,
    payloadStart: number,
    payloadEnd: number,
  ): number {
    checkSealRange(buf, headerStart, payloadStart, payloadEnd);
    this.iv.writeNonce(packetNumber, nonceScratch);
    // GCM and ChaCha20-Poly1305 produce a 16-byte tag by default; the option
    // is only needed (and kept) when opening, to refuse shorter tags.
    const cipher = this.crypto.createCipheriv(this.algorithm, this.key, nonceScratch);
    cipher.setAAD(buf.subarray(headerStart, payloadStart));
    const ciphertext = cipher.update(buf.subarray(payloadStart, payloadEnd));
    const rest = cipher.final();
    buf.set(ciphertext, payloadStart);
    if (rest.length > 0) buf.set(rest, payloadStart + ciphertext.length);
    buf.set(cipher.getAuthTag(), payloadEnd);
    return payloadEnd + AEAD_TAG_LENGTH;
  }

  open(
    packetNumber: number | bigint,
    buf: Uint8Array,
    headerStart: number,
    payloadStart: number,
    packetEnd: number,
  ): number {
    if (!validOpenRange(buf, headerStart, payloadStart, packetEnd)) return -1;
    const dataEnd = packetEnd - AEAD_TAG_LENGTH;
    this.iv.writeNonce(packetNumber, nonceScratch);
    let plaintext: Uint8Array;
    try {
      const decipher = this.crypto.createDecipheriv(
        this.algorithm,
        this.key,
        nonceScratch,
        DECIPHER_OPTIONS,
      );
      decipher.setAAD(buf.subarray(headerStart, payloadStart));
      decipher.setAuthTag(buf.subarray(dataEnd, packetEnd));
      plaintext = decipher.update(buf.subarray(payloadStart, dataEnd));
      // final() throws when the tag does not verify; only then is the
      // plaintext authentic, so it is copied into buf after this point.
      if (decipher.final().length > 0) return -1;
    } catch {
      return -1;
    }
    buf.set(plaintext, payloadStart);
    return dataEnd;
  }
}

/** RFC 9001 §5.4.3: one reusable ECB context per hp key; each update is one block. */
class NodeAesHeaderProtector implements HeaderProtector {
  readonly suite: CipherSuiteInfo;
  private readonly cipher: NodeCrypto.Cipher;

  constructor(crypto: NodeCryptoModule, suite: CipherSuiteInfo, hpKey: Uint8Array) {
    this.suite = suite;
    this.cipher = crypto.createCipheriv(headerProtectionAlgorithm(suite), hpKey, null);
    this.cipher.setAutoPadding(false);
  }

  mask(buf: Uint8Array, sampleOffset: number): Uint8Array {
    return this.cipher.update(buf.subarray(sampleOffset, sampleOffset + 16));
  }
}

const FIVE_ZEROS = new Uint8Array(5);

/**
 * RFC 9001 §5.4.4: OpenSSL's chacha20 IV is the 32-bit little-endian block
 * counter followed by the 96-bit nonce, which is exactly the 16-byte sample.
 */
class NodeChaChaHeaderProtector implements HeaderProtector {
  readonly suite: CipherSuiteInfo;
  private readonly crypto: NodeCryptoModule;
  private readonly key: NodeCrypto.KeyObject;

  constructor(crypto: NodeCryptoModule, suite: CipherSuiteInfo, hpKey: Uint8Array) {
    this.suite = suite;
    this.crypto = crypto;
    this.key = crypto.createSecretKey(hpKey);
  }

  mask(buf: Uint8Array, sampleOffset: number): Uint8Array {
    const sample = buf.subarray(sampleOffset, sampleOffset + 16);
    return this.crypto.createCipheriv('chacha20', this.key, sample).update(FIVE_ZEROS);
  }
}

/**
 * A header protector on node:crypto itself. Not what the node provider uses
 * by default: a call into node:crypto costs more than the whole pure mask
 * (one AES block, or one ChaCha20 block), see bench/crypto.ts. Kept for
 * comparison and for runtimes where that may differ.
 */
export function createNativeHeaderProtector(
  crypto: NodeCryptoModule,
  code: number,
  hpKey: Uint8Array,
): HeaderProtector {
  const suite = requireSuite(code);
  requireKeyLength(suite, 'hpKey', hpKey);
  return suite.aead === 'aes-gcm'
    ? new NodeAesHeaderProtector(crypto, suite, hpKey)
    : new NodeChaChaHeaderProtector(crypto, suite, hpKey);
}

export interface NodeCryptoProviderOptions {
  /** Use node:crypto for header-protection masks too (default false: the pure mask is faster). */
  readonly nativeHeaderProtection?: boolean;
}

/**
 * A provider over the given node:crypto module: packet AEADs on node:crypto
 * (falling back to pure for any algorithm the runtime lacks), header
 * protection pure unless asked otherwise.
 */
export function createNodeCryptoProvider(
  crypto: NodeCryptoModule,
  options: NodeCryptoProviderOptions = {},
): CryptoProvider {
  const ciphers = new Set(crypto.getCiphers());
  const has = (algorithm: string) => ciphers.has(algorithm);
  return {
    name: 'node',
    createAead(code: number, key: Uint8Array, iv: Uint8Array): PacketAead {
      const suite = requireSuite(code);
      requireKeyLength(suite, 'key', key);
      requireIvLength(suite, iv);
      if (!has(aeadAlgorithm(suite))) return pureCryptoProvider.createAead(code, key, iv);
      return new NodeAead(crypto, suite, key, iv);
    },
    createHeaderProtector(code: number, hpKey: Uint8Array): HeaderProtector {
      const suite = requireSuite(code);
      if (options.nativeHeaderProtection && has(headerProtectionAlgorithm(suite))) {
        return createNativeHeaderProtector(crypto, code, hpKey);
      }
      return pureCryptoProvider.createHeaderProtector(code, hpKey);
    },
  };
}
