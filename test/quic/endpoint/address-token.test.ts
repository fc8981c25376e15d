import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressTokens, MAX_TOKEN_LENGTH } from '../../../quic/endpoint/address-token.js';
import { random } from '../../fixtures/tls/chains.js';

const lifetimes = { retryMs: 10_000, newTokenMs: 60_000 };
const odcid = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const rscid = Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9);

describe('AddressTokens', () => {
  it('opens its own Retry token at the same address within the lifetime', () => {
    const tokens = new AddressTokens(random(32), lifetimes);
    const token = tokens.sealRetry(1000, '192.0.2.1|443', odcid, rscid, random);
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(tokens.open(1000 + 9_999, '192.0.2.1|443', token)).toEqual({
      ok: true,
      kind: 'retry',
      originalDcid: odcid,
      retrySourceCid: rscid,
    });
  });

  it('rejects a Retry token past its lifetime, from the future, or from another address', () => {
    const tokens = new AddressTokens(random(32), lifetimes);
    const token = tokens.sealRetry(1000, '192.0.2.1|443', odcid, rscid, random);
    expect(tokens.open(11_001, '192.0.2.1|443', token)).toMatchObject({
      ok: false,
      why: 'expired',
    });
    expect(tokens.open(999, '192.0.2.1|443', token)).toMatchObject({ ok: false, why: 'expired' });
    expect(tokens.open(1000, '192.0.2.1|444', token)).toMatchObject({
      ok: false,
      kind: 'retry',
      why: 'forged',
    });
    expect(tokens.open(1000, '192.0.2.2|443', token)).toMatchObject({ ok: false, why: 'forged' });
  });

  it('rejects a token sealed by another endpoint (another key)', () => {
    const ours = new AddressTokens(random(32), lifetimes);
    const theirs = new AddressTokens(random(32), lifetimes);
    const token = theirs.sealNewToken(5, '192.0.2.1', random);
    expect(ours.open(5, '192.0.2.1', token)).toMatchObject({ ok: false, why: 'forged' });
    expect(theirs.open(5, '192.0.2.1', token)).toEqual({ ok: true, kind: 'new-token' });
  });

  it('NEW_TOKEN tokens live longer than Retry tokens and do not pass as Retry tokens', () => {
    const tokens = new AddressTokens(random(32), lifetimes);
    const token = tokens.sealNewToken(0, '192.0.2.1', random);
    expect(tokens.open(59_000, '192.0.2.1', token)).toEqual({ ok: true, kind: 'new-token' });
    expect(tokens.open(61_000, '192.0.2.1', token)).toMatchObject({ ok: false, why: 'expired' });
    const relabelled = token.slice();
    relabelled[0] = 0x52; // the Retry kind byte: the kind is authenticated
    expect(tokens.open(1, '192.0.2.1', relabelled)).toMatchObject({ ok: false, kind: 'retry' });
  });

  it('every single-bit change and every truncation fails cleanly', () => {
    const tokens = new AddressTokens(random(32), lifetimes);
    const token = tokens.sealRetry(1000, 'a', odcid, rscid, random);
    for (let i = 0; i < token.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = token.slice();
        bad[i]! ^= 1 << bit;
        expect(tokens.open(1000, 'a', bad).ok).toBe(false);
      }
      expect(tokens.open(1000, 'a', token.subarray(0, i)).ok).toBe(false);
    }
  });

  it('arbitrary bytes never open and never throw', () => {
    const tokens = new AddressTokens(random(32), lifetimes);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(tokens.open(1000, 'x', bytes).ok).toBe(false);
      }),
    );
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new AddressTokens(random(16))).toThrow(TypeError);
  });
});
