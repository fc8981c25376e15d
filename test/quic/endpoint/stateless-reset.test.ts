import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_RESET_LENGTH, StatelessResets } from '../../../quic/endpoint/stateless-reset.js';
import { random } from '../../fixtures/tls/chains.js';

describe('StatelessResets', () => {
  it('derives the same token for the same CID and key, different ones otherwise', () => {
    const key = random(32);
    const a = new StatelessResets(key);
    const b = new StatelessResets(key);
    const c = new StatelessResets(random(32));
    const cid = random(8);
    expect(a.tokenFor(cid)).toEqual(b.tokenFor(cid));
    expect(a.tokenFor(cid)).not.toEqual(c.tokenFor(cid));
    expect(a.tokenFor(cid)).not.toEqual(a.tokenFor(random(8)));
    expect(a.tokenFor(cid).length).toBe(16);
  });

  it('a reset is always smaller than its trigger, at least 21 bytes, short-header form', () => {
    const resets = new StatelessResets(random(32));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), (size) => {
        const cid = random(8);
        const reset = resets.buildReset(cid, size, random);
        if (size < 22) {
          expect(reset).toBeUndefined();
          return;
        }
        expect(reset).toBeDefined();
        expect(reset!.length).toBeLessThan(size);
        expect(reset!.length).toBeGreaterThanOrEqual(MIN_RESET_LENGTH);
        expect(reset![0]! & 0xc0).toBe(0x40);
        expect(reset!.subarray(-16)).toEqual(resets.tokenFor(cid));
        // RFC 9000 §10.3: up to 43 bytes, one byte shorter than the trigger.
        if (size <= 44) expect(reset!.length).toBe(size - 1);
      }),
    );
  });
});
