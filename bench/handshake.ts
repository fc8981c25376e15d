// Handshake benchmark: CPU milliseconds per complete QUIC handshake, both
// sides in one process (a client and a server Connection back to back in
// memory, test/quic/connection/connection-pair.ts), full (certificate chain,
// CertificateVerify, ECDHE) and resumed (PSK with ECDHE, no certificates),
// with the TLS public-key work on the pure code and on node:crypto
// (crypto/tls/native-tls-crypto.ts). Packet protection uses the same
// provider in every case (node unless --pure-aead), so the ratio is the TLS
// public-key work alone.
//
//   npm run bench:handshake [-- --quick] [-- --key ec-p256|ec-p384|ed25519|rsa] [-- --pure-aead]
//   npm run bench:handshake -- --profile node|pure [--iterations N]
//      (one case only, for `node --cpu-prof dist/bench/handshake.js --profile node`)
//
// Cases run interleaved (a round of each in turn) so load from other
// processes on this shared machine hits them alike; figures are CPU time
// (user + system), per handshake, p50 and p90 over all rounds, and are for
// comparing rows of one run, not absolute truths about the machine.
import type { CryptoProvider } from '../crypto/crypto-provider.js';
import { getCryptoProvider } from '../crypto/providers.js';
import {
  setTlsPublicKeyCrypto,
  type TlsPublicKeyCryptoChoice,
} from '../crypto/tls/native-tls-crypto.js';
import type { SigningKey } from '../crypto/tls/private-key.js';
import type { SessionTicket } from '../crypto/tls/session-ticket.js';
import { leaf, root, type TestKeyType, testKey } from '../test/fixtures/tls/chains.js';
import { ConnectionPair } from '../test/quic/connection/connection-pair.js';

const TICKET_KEY = new Uint8Array(32).fill(0x5a);

interface Setup {
  readonly client: {
    serverName: string;
    alpn: string[];
    verification: { trustAnchors: Uint8Array[] };
  };
  readonly server: {
    certificate: { chain: Uint8Array[]; key: SigningKey };
    alpn: string[];
    ticketKey: Uint8Array;
  };
  readonly provider: CryptoProvider;
  /** CertificateVerify signatures the server made: none in a resumed handshake. */
  signatures: number;
}

function makeSetup(keyType: TestKeyType, provider: CryptoProvider): Setup {
  const ca = root(testKey('ec-p256', 'bench-root'));
  const serverLeaf = leaf(testKey(keyType, 'bench-leaf'), ca);
  const key = serverLeaf.key;
  const setup: Setup = {
    client: {
      serverName: 'server.example',
      alpn: ['hq-interop'],
      verification: { trustAnchors: [ca.der] },
    },
    server: {
      certificate: {
        chain: [serverLeaf.der],
        key: {
          ...key,
          sign: (scheme, message, random) => {
            setup.signatures++;
            return key.sign(scheme, message, random);
          },
        },
      },
      alpn: ['hq-interop'],
      ticketKey: TICKET_KEY,
    },
    provider,
    signatures: 0,
  };
  return setup;
}

function bothConnected(pair: ConnectionPair): boolean {
  return (
    pair.clientEvents.some((e) => e.type === 'connected') &&
    pair.serverEvents.some((e) => e.type === 'connected')
  );
}

/** One handshake; with `wantTicket`, runs on until the client has a session ticket. */
function handshake(
  setup: Setup,
  ticket: SessionTicket | undefined,
  wantTicket = false,
): SessionTicket | undefined {
  const pair = new ConnectionPair(
    {
      cryptoProvider: setup.provider,
      tls: ticket ? { ...setup.client, sessionTicket: ticket } : setup.client,
    },
    { cryptoProvider: setup.provider, tls: setup.server },
  );
  const done = wantTicket
    ? () => pair.clientEvents.some((e) => e.type === 'session-ticket')
    : () => bothConnected(pair);
  pair.run(done);
  if (!bothConnected(pair)) throw new Error('handshake did not complete');
  const event = pair.clientEvents.find((e) => e.type === 'session-ticket');
  return event?.type === 'session-ticket' ? event.ticket : undefined;
}

interface Case {
  readonly name: string;
  readonly mode: TlsPublicKeyCryptoChoice;
  readonly run: () => void;
  readonly samples: number[];
}

function makeCase(name: string, mode: 'pure' | 'node', setup: Setup, resumed: boolean): Case {
  setTlsPublicKeyCrypto(mode);
  const ticket = resumed ? handshake(setup, undefined, true) : undefined;
  if (resumed) {
    if (!ticket) throw new Error('no session ticket');
    // RFC 8446 §2.2: a resumed handshake has no Certificate and no CertificateVerify.
    const before = setup.signatures;
    handshake(setup, ticket);
    if (setup.signatures !== before) throw new Error('the server signed: resumption was not used');
  }
  return { name, mode, run: () => void handshake(setup, ticket), samples: [] };
}

/** CPU milliseconds (user + system) of one call. */
function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

function profile(setup: Setup, mode: 'pure' | 'node', iterations: number): void {
  const resumed = process.argv.includes('--resumed');
  const c = makeCase(`${resumed ? 'resumed' : 'full'} ${mode}`, mode, setup, resumed);
  setTlsPublicKeyCrypto(c.mode);
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) c.run();
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000 / iterations;
  console.log(`${c.name}: ${iterations} handshakes, ${ms.toFixed(2)} CPU ms each`);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const keyType = (argument('--key') ?? 'ec-p256') as TestKeyType;
  const provider = getCryptoProvider(process.argv.includes('--pure-aead') ? 'pure' : 'auto');
  const setup = makeSetup(keyType, provider);
  const only = argument('--profile');
  if (only === 'node' || only === 'pure') {
    profile(setup, only, Number(argument('--iterations') ?? 200));
    return;
  }
  const rounds = quick ? 5 : 10;
  const perRound = { full: quick ? 4 : 10, resumed: quick ? 8 : 20 };
  const cases = [
    makeCase('full', 'pure', setup, false),
    makeCase('full', 'node', setup, false),
    makeCase('resumed', 'pure', setup, true),
    makeCase('resumed', 'node', setup, true),
  ];
  for (const c of cases) {
    setTlsPublicKeyCrypto(c.mode);
    for (let i = 0; i < 3; i++) c.run(); // JIT warm-up
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      setTlsPublicKeyCrypto(c.mode);
      const n = c.name === 'full' ? perRound.full : perRound.resumed;
      for (let i = 0; i < n; i++) c.samples.push(cpuMs(c.run));
    }
  }
  setTlsPublicKeyCrypto('auto');

  console.log(
    `QUIC handshakes in memory, both sides in this process; server key ${keyType}, root ec-p256; packet protection: ${provider.name}`,
  );
  console.log(
    `Node ${process.version}; CPU ms per handshake (client + server), ${rounds} interleaved rounds; x = pure p50 / node p50\n`,
  );
  const header = ['handshake', 'TLS public key', 'p50 ms', 'p90 ms', 'mean ms', 'per s', 'x'];
  const rows: string[][] = [];
  for (const c of cases) {
    const sorted = [...c.samples].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    const pure = cases.find((o) => o.name === c.name && o.mode === 'pure')!;
    const pureP50 = percentile(
      [...pure.samples].sort((a, b) => a - b),
      0.5,
    );
    rows.push([
      c.name,
      c.mode,
      percentile(sorted, 0.5).toFixed(2),
      percentile(sorted, 0.9).toFixed(2),
      mean.toFixed(2),
      (1000 / mean).toFixed(0),
      c.mode === 'node' ? (pureP50 / percentile(sorted, 0.5)).toFixed(1) : '',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main();
