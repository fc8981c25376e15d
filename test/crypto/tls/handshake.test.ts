import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CipherSuite } from '../../../crypto/cipher-suites.js';
import { TlsAlert } from '../../../crypto/tls/alert.js';
import { TlsClient } from '../../../crypto/tls/client.js';
import { toHex } from '../../../crypto/tls/codec.js';
import type { TlsOutput } from '../../../crypto/tls/handshake-common.js';
import { NamedGroup } from '../../../crypto/tls/key-exchange.js';
import {
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeHandshake,
  decodeServerHello,
  encodeClientHello,
  encodeEncryptedExtensions,
  HandshakeType,
  isHelloRetryRequest,
} from '../../../crypto/tls/messages.js';
import { TlsServer } from '../../../crypto/tls/server.js';
import { SignatureScheme } from '../../../crypto/tls/signature-scheme.js';
import { ExtendedKeyUsageOid } from '../../../src/certificate-builder.js';
import { leaf, root, testKey } from '../../fixtures/tls/chains.js';
import {
  clientOptions,
  drive,
  outputsOf,
  type Run,
  serverOptions,
  TRANSPORT_PARAMETERS_CLIENT,
  TRANSPORT_PARAMETERS_SERVER,
  testPki,
  ticketOf,
} from './handshake-driver.js';

const SUITES = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];
const GROUPS = [NamedGroup.x25519, NamedGroup.secp256r1];
const KEY_SCHEMES = [
  ['ec-p256', SignatureScheme.ecdsa_secp256r1_sha256],
  ['ec-p384', SignatureScheme.ecdsa_secp384r1_sha384],
  ['ed25519', SignatureScheme.ed25519],
  ['rsa', SignatureScheme.rsa_pss_rsae_sha256],
] as const;

function secrets(outputs: TlsOutput[], level: string) {
  return outputsOf(outputs, 'secrets').filter((s) => s.level === level);
}

/** Both sides completed, and each read secret is the other side's write secret. */
function expectMatchingSecrets(run: Run): void {
  expect(outputsOf(run.clientOutputs, 'complete')).toHaveLength(1);
  expect(outputsOf(run.serverOutputs, 'complete')).toHaveLength(1);
  expect(run.client.stateName).toBe('CONNECTED');
  expect(run.server.stateName).toBe('CONNECTED');
  for (const level of ['handshake', 'application']) {
    const c = secrets(run.clientOutputs, level);
    const s = secrets(run.serverOutputs, level);
    const cRead = c.find((x) => x.read)!.read!;
    const cWrite = c.find((x) => x.write)!.write!;
    const sRead = s.find((x) => x.read)!.read!;
    const sWrite = s.find((x) => x.write)!.write!;
    expect(toHex(cRead)).toBe(toHex(sWrite));
    expect(toHex(cWrite)).toBe(toHex(sRead));
    expect(toHex(cRead)).not.toBe(toHex(cWrite));
  }
}

function handshakeTypes(run: Run, from: 'client' | 'server'): number[] {
  return run.flights.filter((f) => f.from === from).map((f) => f.bytes[0]!);
}

async function expectAlert(promise: Promise<unknown>, alert: string, message?: RegExp) {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(TlsAlert);
    expect((e as TlsAlert).alertName).toBe(alert);
    if (message) expect((e as TlsAlert).message).toMatch(message);
    return e as TlsAlert;
  }
  throw new Error(`expected alert ${alert}`);
}

describe('TLS handshake: every suite x group x signature scheme', () => {
  for (const suite of SUITES) {
    for (const group of GROUPS) {
      for (const [keyType, scheme] of KEY_SCHEMES) {
        it(`suite 0x${suite.toString(16)}, group 0x${group.toString(16)}, ${keyType}`, async () => {
          const pki = testPki(keyType);
          const run = await drive(
            clientOptions(pki, { cipherSuites: [suite], groups: [group] }),
            serverOptions(pki),
          );
          expectMatchingSecrets(run);
          const suiteInfo = secrets(run.clientOutputs, 'handshake')[0]!.suite;
          expect(suiteInfo.code).toBe(suite);
          const cv = run.flights.find((f) => f.bytes[0] === HandshakeType.certificate_verify)!;
          expect((cv.bytes[4]! << 8) | cv.bytes[5]!).toBe(scheme);
          expect(outputsOf(run.clientOutputs, 'alpn')[0]!.protocol).toBe('h3');
          expect(outputsOf(run.serverOutputs, 'alpn')[0]!.protocol).toBe('h3');
          expect(outputsOf(run.clientOutputs, 'transport-parameters')[0]!.bytes).toEqual(
            TRANSPORT_PARAMETERS_SERVER,
          );
          expect(outputsOf(run.serverOutputs, 'transport-parameters')[0]!.bytes).toEqual(
            TRANSPORT_PARAMETERS_CLIENT,
          );
          expect(outputsOf(run.clientOutputs, 'complete')[0]!.resumed).toBe(false);
        });
      }
    }
  }
});

describe('TLS handshake: flows', () => {
  it('sends the messages RFC 8446 prescribes at the right levels (no CCS, no EOED)', async () => {
    const pki = testPki('ec-p256');
    const run = await drive(clientOptions(pki), serverOptions(pki));
    expect(run.flights.map((f) => `${f.from}:${f.level}:${f.bytes[0]}`)).toEqual([
      'client:initial:1',
      'server:initial:2',
      'server:handshake:8',
      'server:handshake:11',
      'server:handshake:15',
      'server:handshake:20',
      'client:handshake:20',
      'server:application:4',
    ]);
    const ch = decodeHandshake(run.flights[0]!.bytes);
    // RFC 9001 §8.4: legacy_session_id is empty (byte 4+2+32 is its length).
    expect(ch.body[34]).toBe(0);
  });

  it('reassembles messages delivered one byte at a time', async () => {
    const pki = testPki('ed25519');
    const run = await drive(clientOptions(pki), serverOptions(pki), { chunk: 1 });
    expectMatchingSecrets(run);
  });

  it('property: any fragmentation of the CRYPTO stream yields the same completed handshake', async () => {
    const pki = testPki('ed25519');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 700 }), fc.boolean(), async (chunk, retry) => {
        const run = await drive(
          clientOptions(pki),
          serverOptions(pki, retry ? { groups: [NamedGroup.secp256r1] } : {}),
          { chunk },
        );
        expectMatchingSecrets(run);
      }),
      { numRuns: 15 },
    );
  });

  it('HelloRetryRequest when the server prefers P-256 and the client guessed X25519', async () => {
    const pki = testPki('ec-p256');
    const run = await drive(
      clientOptions(pki),
      serverOptions(pki, { groups: [NamedGroup.secp256r1, NamedGroup.x25519] }),
    );
    expectMatchingSecrets(run);
    const first = decodeServerHello(decodeHandshake(run.flights[1]!.bytes).body);
    expect(isHelloRetryRequest(first)).toBe(true);
    expect(handshakeTypes(run, 'client')).toEqual([1, 1, 20]);
    expectOnlyAllowedChanges(run.flights[0]!.bytes, run.flights[2]!.bytes);
  });

  it('ClientHello2 keeps psk_key_exchange_modes when the PSK of another hash is dropped', async () => {
    const pki = testPki('ec-p256');
    const ticket = ticketOf(await drive(clientOptions(pki), serverOptions(pki)));
    expect(ticket.cipherSuite).toBe(CipherSuite.TLS_AES_128_GCM_SHA256);
    const run = await drive(
      clientOptions(pki, { sessionTicket: ticket }),
      serverOptions(pki, {
        groups: [NamedGroup.secp256r1],
        cipherSuites: [CipherSuite.TLS_AES_256_GCM_SHA384],
      }),
    );
    expectMatchingSecrets(run);
    expect(outputsOf(run.clientOutputs, 'complete')[0]!.resumed).toBe(false);
    expectOnlyAllowedChanges(run.flights[0]!.bytes, run.flights[2]!.bytes);
  });

  it('HelloRetryRequest with a SHA-384 suite (message_hash uses the suite hash)', async () => {
    const pki = testPki('ec-p256');
    const run = await drive(
      clientOptions(pki, { cipherSuites: [CipherSuite.TLS_AES_256_GCM_SHA384] }),
      serverOptions(pki, { groups: [NamedGroup.secp256r1] }),
    );
    expectMatchingSecrets(run);
  });

  it('resumes with a session ticket (psk_dhe_ke, no certificate)', async () => {
    const pki = testPki('ec-p256');
    const first = await drive(clientOptions(pki), serverOptions(pki));
    const ticket = ticketOf(first);
    expect(ticket.lifetimeSeconds).toBe(604800);
    expect(ticket.maxEarlyDataSize).toBe(0);
    const run = await drive(
      clientOptions(pki, { sessionTicket: ticket, currentTimeMs: ticket.receivedAtMs + 5000 }),
      serverOptions(pki, { currentTimeMs: ticket.receivedAtMs + 5000 }),
    );
    expectMatchingSecrets(run);
    expect(outputsOf(run.clientOutputs, 'complete')[0]!.resumed).toBe(true);
    expect(outputsOf(run.serverOutputs, 'complete')[0]!.resumed).toBe(true);
    expect(handshakeTypes(run, 'server')).toEqual([2, 8, 20, 4]);
    // The new ticket from a resumed connection resumes again.
    const later = ticket.receivedAtMs + 60_000;
    const again = await drive(
      clientOptions(pki, { sessionTicket: ticketOf(run), currentTimeMs: later }),
      serverOptions(pki, { currentTimeMs: later }),
    );
    expect(outputsOf(again.clientOutputs, 'complete')[0]!.resumed).toBe(true);
  });

  it('resumption with 0-RTT: client early write secret is the server early read secret', async () => {
    const pki = testPki('ec-p256');
    const first = await drive(clientOptions(pki), serverOptions(pki, { earlyData: true }));
    const ticket = ticketOf(first);
    expect(ticket.maxEarlyDataSize).toBe(0xffffffff);
    const lines: string[] = [];
    const run = await drive(
      clientOptions(pki, { sessionTicket: ticket, keyLog: (l) => lines.push(l) }),
      serverOptions(pki, { earlyData: true }),
    );
    expectMatchingSecrets(run);
    const clientEarly = secrets(run.clientOutputs, 'early')[0]!;
    expect(lines[0]).toMatch(
      new RegExp(`^CLIENT_EARLY_TRAFFIC_SECRET [0-9a-f]{64} ${toHex(clientEarly.write!)}$`),
    );
    const serverEarly = secrets(run.serverOutputs, 'early')[0]!;
    expect(toHex(clientEarly.write!)).toBe(toHex(serverEarly.read!));
    expect(outputsOf(run.clientOutputs, 'early-data')).toEqual([
      { kind: 'early-data', accepted: true },
    ]);
    expect(outputsOf(run.serverOutputs, 'early-data')).toEqual([
      { kind: 'early-data', accepted: true },
    ]);
    expect(run.server.acceptedEarlyData).toBe(true);
  });

  it('0-RTT offered but rejected by a server that does not accept early data', async () => {
    const pki = testPki('ec-p256');
    const ticket = ticketOf(
      await drive(clientOptions(pki), serverOptions(pki, { earlyData: true })),
    );
    const run = await drive(clientOptions(pki, { sessionTicket: ticket }), serverOptions(pki));
    expectMatchingSecrets(run);
    expect(outputsOf(run.clientOutputs, 'complete')[0]!.resumed).toBe(true);
    expect(outputsOf(run.clientOutputs, 'early-data')).toEqual([
      { kind: 'early-data', accepted: false },
    ]);
    expect(secrets(run.serverOutputs, 'early')).toHaveLength(0);
  });

  it('resumption across a HelloRetryRequest recomputes the binder and rejects 0-RTT', async () => {
    const pki = testPki('ec-p256');
    const ticket = ticketOf(
      await drive(clientOptions(pki), serverOptions(pki, { earlyData: true })),
    );
    const run = await drive(
      clientOptions(pki, { sessionTicket: ticket }),
      serverOptions(pki, { earlyData: true, groups: [NamedGroup.secp256r1] }),
    );
    expectMatchingSecrets(run);
    expect(outputsOf(run.clientOutputs, 'complete')[0]!.resumed).toBe(true);
    expect(outputsOf(run.clientOutputs, 'early-data')).toEqual([
      { kind: 'early-data', accepted: false },
    ]);
  });

  it('a ticket sealed under another key, or expired, falls back to a full handshake', async () => {
    const pki = testPki('ec-p256');
    const ticket = ticketOf(await drive(clientOptions(pki), serverOptions(pki)));
    const otherKey = await drive(
      clientOptions(pki, { sessionTicket: ticket }),
      serverOptions(pki, { ticketKey: new Uint8Array(32).fill(9) }),
    );
    expect(outputsOf(otherKey.clientOutputs, 'complete')[0]!.resumed).toBe(false);
    const later = ticket.receivedAtMs + 8 * 86_400_000;
    const expired = await drive(
      clientOptions(pki, { sessionTicket: ticket, currentTimeMs: later }),
      serverOptions(pki, { currentTimeMs: later }),
    );
    expect(outputsOf(expired.clientOutputs, 'complete')[0]!.resumed).toBe(false);
  });

  it('custom asynchronous verifier: the client waits in WAIT_CERT_VERIFICATION', async () => {
    const pki = testPki('ec-p256');
    const seen: Uint8Array[][] = [];
    const run = await drive(
      clientOptions(pki, {
        verifyCertificate: async (chain) => {
          seen.push(chain);
        },
      }),
      serverOptions(pki),
    );
    expectMatchingSecrets(run);
    expect(seen).toEqual([pki.chain]);
    expect(run.client.peerCertificates).toEqual(pki.chain);
    expect(run.client.negotiatedAlpn).toBe('h3');
    expect(run.server.negotiatedAlpn).toBe('h3');
    expect(run.server.serverName).toBe('server.example');
    expect(run.client.cipherSuite?.code).toBe(run.server.cipherSuite?.code);
    const context = Uint8Array.of(1, 2, 3);
    const exported = run.client.exportKeyingMaterial('EXPERIMENTAL test', context, 40);
    expect(exported).toHaveLength(40);
    expect(run.server.exportKeyingMaterial('EXPERIMENTAL test', context, 40)).toEqual(exported);
    expect(run.server.exportKeyingMaterial('EXPERIMENTAL other', context, 40)).not.toEqual(
      exported,
    );
    expect(() => new TlsClient(clientOptions(pki)).exportKeyingMaterial('x', context, 8)).toThrow(
      TypeError,
    );
    expect(outputsOf(run.clientOutputs, 'waiting-for-certificate-verification')).toHaveLength(1);
  });

  it('selects the certificate by SNI, and sends no SNI for an IP literal', async () => {
    const pki = testPki('ec-p256');
    const names: (string | undefined)[] = [];
    const select = (name: string | undefined) => {
      names.push(name);
      return { chain: pki.chain, key: serverOptions(pki).certificate!.key };
    };
    await drive(clientOptions(pki), serverOptions(pki, { selectCertificate: select }));
    await drive(
      clientOptions(pki, { serverName: '192.0.2.7' }),
      serverOptions(pki, { selectCertificate: select }),
    );
    expect(names).toEqual(['server.example', undefined]);
  });

  it('pinned leaf hash instead of trust anchors; dangerouslySkipVerification still checks the signature', async () => {
    const pki = testPki('ec-p256');
    const pin = sha256(pki.chain[0]!);
    const pinned = await drive(
      clientOptions(pki, { verification: { pinnedSha256: [pin] } }),
      serverOptions(pki),
    );
    expectMatchingSecrets(pinned);
    const wrongPin = drive(
      clientOptions(pki, { verification: { pinnedSha256: [new Uint8Array(32)] } }),
      serverOptions(pki),
    );
    await expect(wrongPin).rejects.toBeInstanceOf(TlsAlert);
    const skipped = await drive(
      clientOptions(pki, { verification: { dangerouslySkipVerification: true } }),
      serverOptions(pki),
    );
    expectMatchingSecrets(skipped);
    const key = serverOptions(pki).certificate!.key;
    const forged = {
      ...key,
      sign: (scheme: number, message: Uint8Array, random: (n: number) => Uint8Array) =>
        key.sign(scheme, Uint8Array.of(...message, 0), random),
    };
    await expectAlert(
      drive(
        clientOptions(pki, { verification: { dangerouslySkipVerification: true } }),
        serverOptions(pki, { certificate: { chain: pki.chain, key: forged } }),
      ),
      'decrypt_error',
    );
  });

  it('logs NSS key log lines that match on both sides', async () => {
    const pki = testPki('ec-p256');
    const clientLines: string[] = [];
    const serverLines: string[] = [];
    const run = await drive(
      clientOptions(pki, { keyLog: (l) => clientLines.push(l) }),
      serverOptions(pki, { keyLog: (l) => serverLines.push(l) }),
    );
    expect(clientLines.map((l) => l.split(' ')[0])).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'SERVER_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
    ]);
    expect([...serverLines].sort()).toEqual([...clientLines].sort());
    const clientRandom = toHex(decodeHandshake(run.flights[0]!.bytes).body.subarray(2, 34));
    for (const line of clientLines)
      expect(line).toMatch(new RegExp(`^[A-Z_0]+ ${clientRandom} [0-9a-f]{64}$`));
    const clientHs = secrets(run.clientOutputs, 'handshake')[0]!.write!;
    expect(clientLines[0]).toBe(
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${clientRandom} ${toHex(clientHs)}`,
    );
  });
});

describe('TLS handshake: bad input ends in the right alert', () => {
  const pki = () => testPki('ec-p256');

  it('no common cipher suite: handshake_failure', async () => {
    await expectAlert(
      drive(
        clientOptions(pki(), { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] }),
        serverOptions(pki(), { cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256] }),
      ),
      'handshake_failure',
      /cipher suite/,
    );
  });

  it('no common group: handshake_failure', async () => {
    await expectAlert(
      drive(
        clientOptions(pki(), { groups: [NamedGroup.x25519] }),
        serverOptions(pki(), { groups: [NamedGroup.secp256r1] }),
      ),
      'handshake_failure',
      /group/,
    );
  });

  it('no common ALPN: no_application_protocol', async () => {
    await expectAlert(
      drive(clientOptions(pki(), { alpn: ['doq'] }), serverOptions(pki())),
      'no_application_protocol',
      /doq/,
    );
  });

  it('bad CertificateVerify signature: decrypt_error', async () => {
    const key = serverOptions(pki()).certificate!.key;
    const badKey = {
      ...key,
      schemes: key.schemes,
      sign: (scheme: number, message: Uint8Array, random: (n: number) => Uint8Array) => {
        const sig = key.sign(scheme, message, random);
        sig[sig.length - 5]! ^= 0x40;
        return sig;
      },
    };
    await expectAlert(
      drive(
        clientOptions(pki()),
        serverOptions(pki(), { certificate: { chain: pki().chain, key: badKey } }),
      ),
      'decrypt_error',
    );
  });

  it('unknown CA: unknown_ca', async () => {
    await expectAlert(
      drive(
        clientOptions(pki(), { verification: { trustAnchors: [otherRoot()] } }),
        serverOptions(pki()),
      ),
      'unknown_ca',
    );
  });

  it('expired certificate: certificate_expired', async () => {
    await expectAlert(
      drive(clientOptions(pki(), { currentTimeMs: Date.UTC(2030, 0, 1) }), serverOptions(pki())),
      'certificate_expired',
    );
  });

  it('name mismatch: bad_certificate naming expected and presented names', async () => {
    await expectAlert(
      drive(clientOptions(pki(), { serverName: 'other.example' }), serverOptions(pki())),
      'bad_certificate',
      /certificate is for server\.example.*expected other\.example/,
    );
  });

  it('a synchronous verifier that throws a plain Error: bad_certificate with its reason', async () => {
    await expectAlert(
      drive(
        clientOptions(pki(), {
          verifyCertificate: () => {
            throw new Error('not on the allow list');
          },
        }),
        serverOptions(pki()),
      ),
      'bad_certificate',
      /not on the allow list/,
    );
  });

  it('an asynchronous verifier that rejects fails the handshake with its alert', async () => {
    await expectAlert(
      drive(
        clientOptions(pki(), {
          verifyCertificate: async () => {
            throw new TlsAlert('certificate_unknown', 'pin mismatch');
          },
        }),
        serverOptions(pki()),
      ),
      'certificate_unknown',
    );
  });

  it('missing quic_transport_parameters from the client: missing_extension', async () => {
    await expectAlert(
      drive(clientOptions(pki()), serverOptions(pki()), {
        tamper: (f) => (f.bytes[0] === 1 ? removeExtension(f.bytes, 0x39) : undefined),
      }),
      'missing_extension',
    );
  });

  it('missing quic_transport_parameters from the server: missing_extension', async () => {
    await expectAlert(
      drive(clientOptions(pki()), serverOptions(pki()), {
        tamper: (f) => (f.bytes[0] === 8 ? removeExtension(f.bytes, 0x39) : undefined),
      }),
      'missing_extension',
    );
  });

  it('duplicated extension: illegal_parameter', async () => {
    await expectAlert(
      drive(clientOptions(pki()), serverOptions(pki()), {
        tamper: (f) => (f.bytes[0] === 1 ? duplicateExtension(f.bytes, 0x10) : undefined),
      }),
      'illegal_parameter',
      /duplicate/,
    );
  });

  it('malformed ClientHello: decode_error', async () => {
    await expectAlert(
      drive(clientOptions(pki()), serverOptions(pki()), {
        tamper: (f) => {
          if (f.bytes[0] !== 1) return undefined;
          const cut = f.bytes.slice(0, f.bytes.length - 3);
          cut[3] = (cut.length - 4) & 0xff;
          cut[2] = (cut.length - 4) >> 8;
          return cut;
        },
      }),
      'decode_error',
    );
  });

  it('non-empty legacy_session_id (RFC 9001 §8.4): illegal_parameter', async () => {
    await expectAlert(
      drive(clientOptions(pki()), serverOptions(pki()), {
        tamper: (f) => (f.bytes[0] === 1 ? withSessionId(f.bytes) : undefined),
      }),
      'illegal_parameter',
      /legacy_session_id/,
    );
  });

  it('unexpected message: Finished instead of ClientHello, KeyUpdate after the handshake', async () => {
    const server = new TlsServer(serverOptions(pki()));
    const alert = (() => {
      try {
        server.receive('initial', Uint8Array.of(20, 0, 0, 32, ...new Uint8Array(32)));
      } catch (e) {
        return e as TlsAlert;
      }
    })();
    expect(alert?.alertName).toBe('unexpected_message');
    // After a failure the same error comes back, nothing new.
    expect(() => server.receive('initial', Uint8Array.of(1))).toThrow(alert);
    expect(server.poll()).toBeUndefined();

    const run = await drive(clientOptions(pki()), serverOptions(pki()));
    expect(() => run.client.receive('application', Uint8Array.of(24, 0, 0, 1, 0))).toThrow(
      /unexpected_message/,
    );
    expect(() => run.server.receive('application', Uint8Array.of(24, 0, 0, 1, 0))).toThrow(
      /unexpected_message/,
    );
  });

  it('a message at the wrong encryption level: unexpected_message', async () => {
    const pending = new TlsClient(clientOptions(pki()));
    // EncryptedExtensions belongs to the handshake level; at initial it is out of place.
    expect(() => pending.receive('initial', Uint8Array.of(8, 0, 0, 2, 0, 0))).toThrow(
      /unexpected_message: encrypted_extensions not expected in state WAIT_SH/,
    );
    // After ServerHello, EncryptedExtensions must come at the handshake level.
    const client = new TlsClient(clientOptions(pki()));
    const server = new TlsServer(serverOptions(pki()));
    server.receive('initial', (client.poll() as { bytes: Uint8Array }).bytes);
    const out = [
      ...(function* () {
        for (let o = server.poll(); o; o = server.poll()) yield o;
      })(),
    ];
    const data = out.filter((o) => o.kind === 'data');
    client.receive('initial', data[0]!.bytes);
    expect(client.stateName).toBe('WAIT_EE');
    expect(() => client.receive('initial', data[1]!.bytes)).toThrow(
      /unexpected_message: encrypted_extensions received at initial level, expected handshake/,
    );
  });

  it('more than 64 KiB of handshake data: CryptoBufferExceeded', async () => {
    const server = new TlsServer(serverOptions(pki()));
    expect(() => server.receive('initial', Uint8Array.of(1, 0x01, 0x00, 0x01))).toThrow(
      /CryptoBufferExceeded|exceed/,
    );
    expect(server.error?.name).toBe('CryptoBufferExceeded');
  });
});

/**
 * RFC 8446 §4.1.2: ClientHello2 may differ from ClientHello1 only in key_share,
 * early_data (removed), cookie (added) and pre_shared_key (updated or removed).
 */
function expectOnlyAllowedChanges(raw1: Uint8Array, raw2: Uint8Array): void {
  const ch1 = decodeClientHello(decodeHandshake(raw1).body);
  const ch2 = decodeClientHello(decodeHandshake(raw2).body);
  expect(toHex(ch2.random)).toBe(toHex(ch1.random));
  expect(ch2.cipherSuites).toEqual(ch1.cipherSuites);
  const mayChange = new Set([51, 42, 44, 41]);
  const fixed = (ch: typeof ch1) =>
    ch.extensions.filter((e) => !mayChange.has(e.type)).map((e) => `${e.type}:${toHex(e.data)}`);
  expect(fixed(ch2)).toEqual(fixed(ch1));
  expect(ch2.extensions.some((e) => e.type === 42)).toBe(false);
}

/** A root that issued nothing the server presents. */
function otherRoot(): Uint8Array {
  return root(testKey('ec-p256', 'unrelated-root'), { commonName: 'Unrelated Root CA' }).der;
}

function removeExtension(raw: Uint8Array, type: number): Uint8Array {
  const m = decodeHandshake(raw);
  if (m.type === HandshakeType.client_hello) {
    const ch = decodeClientHello(m.body);
    return encodeClientHello({ ...ch, extensions: ch.extensions.filter((e) => e.type !== type) });
  }
  const ee = decodeEncryptedExtensions(m.body);
  return encodeEncryptedExtensions({ extensions: ee.extensions.filter((e) => e.type !== type) });
}

function duplicateExtension(raw: Uint8Array, type: number): Uint8Array {
  const ch = decodeClientHello(decodeHandshake(raw).body);
  const e = ch.extensions.find((x) => x.type === type)!;
  return encodeClientHello({ ...ch, extensions: [e, ...ch.extensions] });
}

function withSessionId(raw: Uint8Array): Uint8Array {
  const ch = decodeClientHello(decodeHandshake(raw).body);
  return encodeClientHello({ ...ch, legacySessionId: new Uint8Array(32).fill(7) });
}

describe('TLS handshake: client authentication (CertificateRequest)', () => {
  const pki = () => testPki('ec-p256');
  const clientCa = () => root(testKey('ed25519', 'client-root'), { commonName: 'Client Root CA' });
  const clientCertificate = () => {
    const ca = clientCa();
    const key = testKey('ec-p256', 'client-leaf');
    const cert = leaf(key, ca, {
      commonName: 'client',
      names: ['client.example'],
      extendedKeyUsage: [ExtendedKeyUsageOid.clientAuth],
    });
    return { chain: [cert.der], key, root: ca.der };
  };

  it('a client without a certificate answers with an empty Certificate', async () => {
    const run = await drive(
      clientOptions(pki()),
      serverOptions(pki(), { clientAuthentication: {} }),
    );
    expectMatchingSecrets(run);
    expect(handshakeTypes(run, 'server').slice(0, 3)).toEqual([2, 8, 13]);
    expect(handshakeTypes(run, 'client')).toEqual([1, 11, 20]);
    expect(run.server.clientCertificates).toEqual([]);
  });

  it('a required certificate that is not sent: certificate_required', async () => {
    await expectAlert(
      drive(
        clientOptions(pki()),
        serverOptions(pki(), { clientAuthentication: { required: true } }),
      ),
      'certificate_required',
    );
  });

  it('a client certificate chaining to the configured root is verified and exposed', async () => {
    const own = clientCertificate();
    const run = await drive(
      clientOptions(pki(), { clientCertificate: { chain: own.chain, key: own.key } }),
      serverOptions(pki(), {
        clientAuthentication: { required: true, verification: { trustAnchors: [own.root] } },
      }),
    );
    expectMatchingSecrets(run);
    expect(handshakeTypes(run, 'client')).toEqual([1, 11, 15, 20]);
    expect(run.server.clientCertificates).toEqual(own.chain);
  });

  it('a client certificate from an unknown CA: unknown_ca', async () => {
    const own = clientCertificate();
    await expectAlert(
      drive(
        clientOptions(pki(), { clientCertificate: { chain: own.chain, key: own.key } }),
        serverOptions(pki(), {
          clientAuthentication: { verification: { trustAnchors: [otherRoot()] } },
        }),
      ),
      'unknown_ca',
    );
  });

  it('a client CertificateVerify made with another key: decrypt_error', async () => {
    const own = clientCertificate();
    await expectAlert(
      drive(
        clientOptions(pki(), {
          clientCertificate: { chain: own.chain, key: testKey('ec-p256', 'impostor') },
        }),
        serverOptions(pki(), {
          clientAuthentication: { verification: { trustAnchors: [own.root] } },
        }),
      ),
      'decrypt_error',
    );
  });

  it('no CertificateRequest on resumption (RFC 8446 §4.3.2)', async () => {
    const options = serverOptions(pki(), { clientAuthentication: {} });
    const ticket = ticketOf(await drive(clientOptions(pki()), options));
    const run = await drive(clientOptions(pki(), { sessionTicket: ticket }), options);
    expect(handshakeTypes(run, 'server')).toEqual([2, 8, 20, 4]);
  });
});
