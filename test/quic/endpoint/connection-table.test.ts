import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionTable } from '../../../quic/endpoint/connection-table.js';

const A = { address: '192.0.2.1', port: 1 };
const B = { address: '192.0.2.1', port: 2 };

describe('ConnectionTable', () => {
  it('routes issued CIDs and client Initial DCIDs per address, and forgets them', () => {
    const table = new ConnectionTable<string>();
    const dcid = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    table.addInitial('a', A, dcid);
    table.addInitial('b', B, dcid);
    table.addCid('a', Uint8Array.of(0xaa));
    expect(table.lookupInitial(A, dcid)).toBe('a');
    expect(table.lookupInitial(B, dcid)).toBe('b');
    expect(table.lookupCid(dcid)).toBeUndefined();
    expect(table.lookupCid(Uint8Array.of(0xaa))).toBe('a');
    table.removeCid('b', Uint8Array.of(0xaa)); // not b's: no effect
    expect(table.lookupCid(Uint8Array.of(0xaa))).toBe('a');
    table.remove('a');
    expect(table.lookupCid(Uint8Array.of(0xaa))).toBeUndefined();
    expect(table.lookupInitial(A, dcid)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('keys are injective: different CIDs never share a route', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (x, y) => {
        fc.pre(x.length !== y.length || x.some((v, i) => v !== y[i]));
        const table = new ConnectionTable<string>();
        table.addCid('x', x);
        table.addCid('y', y);
        expect(table.lookupCid(x)).toBe('x');
        expect(table.lookupCid(y)).toBe('y');
      }),
    );
  });

  it('an existing route is never taken over by a later registration', () => {
    const table = new ConnectionTable<string>();
    table.addCid('first', Uint8Array.of(7));
    table.addCid('second', Uint8Array.of(7));
    expect(table.lookupCid(Uint8Array.of(7))).toBe('first');
  });
});
