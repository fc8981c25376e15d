import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, equalBytes } from '../../crypto/bytes.js';

describe('byte comparisons', () => {
  it('constantTimeEqual compares contents and lengths', () => {
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1))).toBe(false);
  });

  it('equalBytes and constantTimeEqual agree with element-wise equality', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        const expected = a.length === b.length && a.every((v, i) => v === b[i]);
        expect(equalBytes(a, b)).toBe(expected);
        expect(constantTimeEqual(a, b)).toBe(expected);
        expect(equalBytes(a, a.slice())).toBe(true);
      }),
    );
  });
});
