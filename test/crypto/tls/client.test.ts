import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../../crypto/tls/client.js';
import { failsCleanly, seededRandom } from './engine-properties.js';
import { clientOptions, drive, serverOptions, testPki } from './handshake-driver.js';

describe('TlsClient', () => {
  const pki = testPki('ec-p256');

  it('arbitrary bytes in WAIT_SH: no output, or a clean alert', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const client = new TlsClient(clientOptions(pki, { random: seededRandom(4) }));
        client.poll();
        failsCleanly(client, () => client.receive('initial', bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('server flights with one byte changed end in a clean alert (or, rarely, still verify)', async () => {
    const run = await drive(
      clientOptions(pki, { random: seededRandom(5) }),
      serverOptions(pki, { random: seededRandom(6) }),
    );
    const serverFlights = run.flights.filter(
      (f) => f.from === 'server' && f.level !== 'application',
    );
    const replay = (mutate: (index: number, bytes: Uint8Array) => Uint8Array) => {
      const client = new TlsClient(clientOptions(pki, { random: seededRandom(5) }));
      const failed = failsCleanly(client, () => {
        for (const [i, f] of serverFlights.entries()) client.receive(f.level, mutate(i, f.bytes));
      });
      return { client, failed };
    };
    // Unchanged, the replay completes: the mutations below are what fails it.
    expect(replay((_, b) => b).client.stateName).toBe('CONNECTED');
    fc.assert(
      fc.property(
        fc.nat(serverFlights.length - 1),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (which, at, xor) => {
          replay((i, b) => {
            if (i !== which) return b;
            const copy = b.slice();
            copy[at % copy.length]! ^= xor;
            return copy;
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a SessionTicket with too long a lifetime or a non-QUIC max_early_data_size is refused', async () => {
    const run = await drive(clientOptions(pki), serverOptions(pki));
    const nst = (lifetime: number, early?: number) => {
      const ext = early === undefined ? [] : [0, 42, 0, 4, early >>> 24, 0, 0, early & 0xff];
      const body = [
        ...[lifetime >>> 24, (lifetime >> 16) & 0xff, (lifetime >> 8) & 0xff, lifetime & 0xff],
        ...[0, 0, 0, 1, 0, 0, 1, 0xaa, 0, ext.length, ...ext],
      ];
      return Uint8Array.of(4, 0, 0, body.length, ...body);
    };
    expect(() => run.client.receive('application', nst(604801))).toThrow(
      /illegal_parameter.*7 days/,
    );
    const again = await drive(clientOptions(pki), serverOptions(pki));
    expect(() => again.client.receive('application', nst(60, 0x1000))).toThrow(
      /illegal_parameter.*max_early_data_size/,
    );
  });

  it('rejects bad options with a TypeError naming the field', () => {
    expect(() => new TlsClient({ ...clientOptions(pki), alpn: [] })).toThrow(/alpn/);
    expect(() => new TlsClient({ ...clientOptions(pki), groups: [0x18] })).toThrow(/groups.*0x18/);
    expect(() => new TlsClient({ ...clientOptions(pki), currentTimeMs: Number.NaN })).toThrow(
      /currentTimeMs/,
    );
  });
});
