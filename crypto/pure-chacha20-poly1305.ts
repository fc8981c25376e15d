// AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) as a QUIC packet AEAD on
// @noble/ciphers. ChaCha20 has no key schedule and Poly1305's key is derived
// per nonce, so there is no per-key work to hoist: each packet builds the
// cipher over its own nonce and works in place on the caller's buffer.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { CipherSuiteInfo } from './cipher-suites.js';
import { checkSealRange, type PacketAead, validOpenRange } from './crypto-provider.js';
import { PacketIv } from './packet-nonce.js';

/** Shared: each nonce is used within the synchronous call that wrote it. */
const nonce = new Uint8Array(12);

export class PureChaCha20Poly1305 implements PacketAead {
  readonly suite: CipherSuiteInfo;
  private readonly key: Uint8Array;
  private readonly iv: PacketIv;

  /** Key and IV lengths are checked by the provider. */
  constructor(suite: CipherSuiteInfo, key: Uint8Array, iv: Uint8Array) {
    this.suite = suite;
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
    this.iv.writeNonce(packetNumber, nonce);
    const aead = chacha20poly1305(this.key, nonce, buf.subarray(headerStart, payloadStart));
    aead.encrypt(
      buf.subarray(payloadStart, payloadEnd),
      buf.subarray(payloadStart, payloadEnd + 16),
    );
    return payloadEnd + 16;
  }

  open(
    packetNumber: number | bigint,
    buf: Uint8Array,
    headerStart: number,
    payloadStart: number,
    packetEnd: number,
  ): number {
    if (!validOpenRange(buf, headerStart, payloadStart, packetEnd)) return -1;
    this.iv.writeNonce(packetNumber, nonce);
    const aead = chacha20poly1305(this.key, nonce, buf.subarray(headerStart, payloadStart));
    try {
      // noble verifies the tag before it writes any plaintext.
      aead.decrypt(
        buf.subarray(payloadStart, packetEnd),
        buf.subarray(payloadStart, packetEnd - 16),
      );
    } catch {
      return -1;
    }
    return packetEnd - 16;
  }
}
