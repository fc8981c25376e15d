import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TicketSealer, type TicketState } from '../../../crypto/tls/session-ticket.js';
import { seededRandom } from './engine-properties.js';

const STATE: TicketState = {
  cipherSuite: 0x1302,
  psk: new Uint8Array(48).fill(7),
  alpn: 'h3',
  ageAdd: 0xdeadbeef,
  issuedAtMs: Date.UTC(2026, 0, 1, 12, 30),
  lifetimeSeconds: 604800,
  maxEarlyDataSize: 0xffffffff,
};

describe('session tickets', () => {
  const sealer = new TicketSealer(new Uint8Array(32).fill(1));

  it('seals and opens the session state', () => {
    const ticket = sealer.seal(STATE, seededRandom(1));
    expect(sealer.open(ticket)).toEqual(STATE);
  });

  it('a ticket sealed under another key, or altered, does not open', () => {
    const ticket = sealer.seal(STATE, seededRandom(1));
    expect(new TicketSealer(new Uint8Array(32).fill(2)).open(ticket)).toBeUndefined();
    for (let i = 0; i < ticket.length; i++) {
      const altered = ticket.slice();
      altered[i]! ^= 0x80;
      expect(sealer.open(altered)).toBeUndefined();
    }
    for (let n = 0; n < ticket.length; n++)
      expect(sealer.open(ticket.subarray(0, n))).toBeUndefined();
  });

  it('arbitrary bytes never open and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => sealer.open(bytes) === undefined),
    );
  });

  it('the ticket key must be 32 bytes', () => {
    expect(() => new TicketSealer(new Uint8Array(31))).toThrow(/ticketKey must be 32 bytes/);
  });
});
