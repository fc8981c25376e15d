import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsClient } from '../../../crypto/tls/client.js';
import type { EncryptionLevel } from '../../../crypto/tls/handshake-common.js';
import { TlsServer } from '../../../crypto/tls/server.js';
import { failsCleanly, seededRandom } from './engine-properties.js';
import { clientOptions, serverOptions, testPki } from './handshake-driver.js';

const LEVELS: EncryptionLevel[] = ['initial', 'early', 'handshake', 'application'];

describe('TlsServer: property tests', () => {
  const pki = testPki('ec-p256');

  it('arbitrary bytes at any level: no output, or a clean alert', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LEVELS),
        fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 4 }),
        (level, chunks) => {
          const server = new TlsServer(serverOptions(pki, { random: seededRandom(1) }));
          failsCleanly(server, () => {
            for (const c of chunks) server.receive(level, c);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a ClientHello with one byte changed: handshake proceeds or ends in a clean alert', () => {
    const client = new TlsClient(clientOptions(pki, { random: seededRandom(2) }));
    const hello = (client.poll() as { bytes: Uint8Array }).bytes;
    fc.assert(
      fc.property(fc.nat(hello.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = hello.slice();
        mutated[at] = value;
        const server = new TlsServer(serverOptions(pki, { random: seededRandom(3) }));
        failsCleanly(server, () => server.receive('initial', mutated));
      }),
      { numRuns: 300 },
    );
  });

  it('a 60 KB message trickled in one byte at a time is reassembled, then judged', () => {
    const server = new TlsServer(serverOptions(pki));
    const length = 60_000;
    server.receive('initial', Uint8Array.of(1, 0, length >> 8, length & 0xff));
    const one = new Uint8Array(1);
    for (let i = 0; i < length - 1; i++) server.receive('initial', one);
    expect(server.poll()).toBeUndefined();
    expect(() => server.receive('initial', one)).toThrow(/decode_error/);
  });

  it('rejects bad options with a TypeError naming the field', () => {
    expect(() => new TlsServer({ ...serverOptions(pki), cipherSuites: [0x1304] })).toThrow(
      /cipherSuites.*0x1304/,
    );
    expect(() => new TlsServer({ ...serverOptions(pki), alpn: undefined })).toThrow(/alpn/);
    expect(() => new TlsServer({ ...serverOptions(pki), ticketLifetimeSeconds: 604801 })).toThrow(
      /ticketLifetimeSeconds/,
    );
    expect(() => new TlsServer({ ...serverOptions(pki), ticketKey: new Uint8Array(16) })).toThrow(
      /ticketKey/,
    );
  });
});
