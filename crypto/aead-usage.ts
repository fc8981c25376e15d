// Counting AEAD use against the limits of RFC 9001 §6.6. The connection owns
// one AeadUsage for its 1-RTT keys: sealed packets count per key (reset at
// each key update), failed opens count for the connection's lifetime across
// all keys.
import type { CipherSuiteInfo } from './cipher-suites.js';

export class AeadUsage {
  private readonly confidentialityLimit: number;
  private readonly integrityLimit: number;
  /** Packets sealed with the current key. */
  sealedWithCurrentKey = 0;
  /** Packets that failed authentication during the connection, across all keys. */
  failedOpens = 0;

  /**
   * `keyUpdateMargin`: how many packets before the confidentiality limit
   * shouldInitiateKeyUpdate() starts saying yes, so the update (which needs
   * the peer to respond) completes before the limit is reached.
   */
  constructor(
    suite: CipherSuiteInfo,
    private readonly keyUpdateMargin = 2 ** 16,
  ) {
    this.confidentialityLimit = suite.confidentialityLimit;
    this.integrityLimit = suite.integrityLimit;
  }

  /**
   * Counts one sealed packet. Returns false when the key has reached its
   * confidentiality limit and must not seal this packet. RFC 9001 §6.6: If the
   * total number of encrypted packets with the same key exceeds the
   * confidentiality limit for the selected AEAD, the endpoint MUST stop using
   * those keys.
   */
  countSeal(): boolean {
    if (this.sealedWithCurrentKey >= this.confidentialityLimit) return false;
    this.sealedWithCurrentKey++;
    return true;
  }

  /**
   * RFC 9001 §6.6: Endpoints MUST initiate a key update before sending more
   * protected packets than the confidentiality limit for the selected AEAD
   * permits.
   */
  shouldInitiateKeyUpdate(): boolean {
    return this.sealedWithCurrentKey >= this.confidentialityLimit - this.keyUpdateMargin;
  }

  /** A new key phase is in use for sending (RFC 9001 §6.1). */
  keyUpdated(): void {
    this.sealedWithCurrentKey = 0;
  }

  /**
   * Counts one packet that failed authentication. Returns true when the
   * integrity limit is exceeded. RFC 9001 §6.6: If the total number of
   * received packets that fail authentication within the connection, across
   * all keys, exceeds the integrity limit for the selected AEAD, the endpoint
   * MUST immediately close the connection with a connection error of type
   * AEAD_LIMIT_REACHED and not process any more packets.
   */
  countFailedOpen(): boolean {
    this.failedOpens++;
    return this.failedOpens > this.integrityLimit;
  }

  get integrityLimitExceeded(): boolean {
    return this.failedOpens > this.integrityLimit;
  }
}
