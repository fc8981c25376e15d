import { describe, expect, it } from 'vitest';
import { AeadUsage } from '../../crypto/aead-usage.js';
import { CIPHER_SUITES, type CipherSuiteInfo } from '../../crypto/cipher-suites.js';

/** A suite with small limits, so the boundaries can be walked in a test. */
const tiny: CipherSuiteInfo = {
  ...CIPHER_SUITES[0x1301],
  confidentialityLimit: 10,
  integrityLimit: 3,
};

describe('AEAD usage limits (RFC 9001 §6.6)', () => {
  it('refuses to seal past the confidentiality limit until the key is updated', () => {
    const usage = new AeadUsage(tiny, 4);
    for (let i = 0; i < 10; i++) {
      expect(usage.shouldInitiateKeyUpdate()).toBe(i >= 6);
      expect(usage.countSeal()).toBe(true);
    }
    expect(usage.countSeal()).toBe(false);
    expect(usage.sealedWithCurrentKey).toBe(10);
    usage.keyUpdated();
    expect(usage.shouldInitiateKeyUpdate()).toBe(false);
    expect(usage.countSeal()).toBe(true);
  });

  it('reports the integrity limit once failures exceed it, across key updates', () => {
    const usage = new AeadUsage(tiny);
    expect(usage.countFailedOpen()).toBe(false);
    expect(usage.countFailedOpen()).toBe(false);
    usage.keyUpdated();
    expect(usage.countFailedOpen()).toBe(false);
    expect(usage.integrityLimitExceeded).toBe(false);
    expect(usage.countFailedOpen()).toBe(true);
    expect(usage.integrityLimitExceeded).toBe(true);
  });

  it('uses the suite limits: ChaCha20 never needs a key update for confidentiality in practice', () => {
    const usage = new AeadUsage(CIPHER_SUITES[0x1303]);
    expect(usage.shouldInitiateKeyUpdate()).toBe(false);
    const gcm = new AeadUsage(CIPHER_SUITES[0x1301]);
    gcm.sealedWithCurrentKey = 2 ** 23 - 2 ** 16;
    expect(gcm.shouldInitiateKeyUpdate()).toBe(true);
  });
});
