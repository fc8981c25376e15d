// Handshake benchmark: CPU milliseconds per complete handshake, both sides
// in one process: QUIC (a client and a server Connection back to back in
// memory, test/quic/connection/connection-pair.ts) and TLS alone (a TlsClient
// and a TlsServer exchanging handshake bytes); full (certificate chain,
// CertificateVerify, ECDHE) and resumed (PSK with ECDHE, no certificates),
// with the TLS public-key work on the pure code and on node:crypto
// (crypto/tls/native-tls-crypto.ts). Packet protection uses the same
// provider in every QUIC case (node unless --pure-aead), so the ratio is the
// TLS public-key work alone.
//
//   npm run bench:handshake [-- --quick] [-- --key ec-p256|ec-p384|ed25519|rsa] [-- --pure-aead]
//   npm run bench:handshake -- --profile node|pure [--resumed] [--tls] [--iterations N]
//      (one case only, for `node --cpu-prof dist/bench/handshake.js --profile node`)
//
// Cases run interleaved (a round of each in turn) so load from other
// processes on this shared machine hits them alike; figures are CPU time
// (user + system), per handshake, p50 and p90 over all rounds, and are for
// comparing rows of one run, not absolute truths about the machine.
import type { CryptoProvider } from '../crypto/crypto-provider.js';
import { getCryptoProvider } from '../crypto/providers.js';
import { TlsClient } from '../crypto/tls/client.js';
import type { HandshakeEngine } from '../crypto/tls/handshake-common.js';
import {
  setTlsPublicKeyCrypto,
  type TlsPublicKeyCryptoChoice,
} from '../crypto/tls/native-tls-crypto.js';
import type { SigningKey } from '../crypto/tls/private-key.js';
import { TlsServer } from '../crypto/tls/server.js';
import type { SessionTicket } from '../crypto/tls/session-ticket.js';
import { leaf, NOW, random, root, type TestKeyType, testKey } from '../test/fixtures/tls/chains.js';
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

const TRANSPORT_PARAMETERS = Uint8Array.of(0x01, 0x02, 0x03);

/**
 * The same handshake on the TLS engines alone: each side's handshake bytes
 * go straight to the other, until neither has anything to say.
 */
function tlsHandshake(
  setup: Setup,
  ticket: SessionTicket | undefined,
  _wantTicket = false,
): SessionTicket | undefined {
  const common = { transportParameters: TRANSPORT_PARAMETERS, random, currentTimeMs: NOW };
  const client = new TlsClient({
    ...setup.client,
    ...common,
    ...(ticket ? { sessionTicket: ticket } : {}),
  });
  const server = timed(undefined, () => new TlsServer({ ...setup.server, ...common }));
  let completed = 0;
  let received: SessionTicket | undefined;
  const sides: [HandshakeEngine, HandshakeEngine][] = [
    [client, server],
    [server, client],
  ];
  for (let moved = true, rounds = 0; moved && rounds < 10; rounds++) {
    moved = false;
    for (const [from, to] of sides) {
      for (let o = timed(from, () => from.poll()); o; o = timed(from, () => from.poll())) {
        if (o.kind === 'data') {
          timed(to, () => to.receive(o.level, o.bytes));
          moved = true;
        } else if (o.kind === 'complete') completed++;
        else if (o.kind === 'session-ticket') received = o.ticket;
        else if (o.kind === 'waiting-for-certificate-verification') {
          throw new Error('certificate verification went asynchronous');
        }
      }
    }
  }
  if (completed !== 2) throw new Error('TLS handshake did not complete');
  return received;

  /** Runs a call of either engine, adding the server's CPU time to serverMs. */
  function timed<T>(engine: HandshakeEngine | undefined, call: () => T): T {
    // undefined: the server's constructor call (server is not assigned yet).
    if ((engine !== undefined && engine !== server) || !timeServer) return call();
    const start = process.cpuUsage();
    try {
      return call();
    } finally {
      serverMs += cpuMsSince(start);
    }
  }
}

/** CPU ms the TLS server engine has spent (the tls layer only): a server's share of the work. */
let serverMs = 0;
/** Off under --profile, so the profile shows the handshake, not process.cpuUsage. */
let timeServer = true;

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

type Layer = 'quic' | 'tls';
const HANDSHAKE: Record<Layer, typeof handshake> = { quic: handshake, tls: tlsHandshake };

interface Case {
  readonly layer: Layer;
  readonly name: string;
  readonly mode: TlsPublicKeyCryptoChoice;
  readonly run: () => void;
  readonly samples: number[];
  /** tls layer: the server engine's CPU ms per handshake. */
  readonly serverSamples: number[];
}

function makeCase(
  layer: Layer,
  name: 'full' | 'resumed',
  mode: 'pure' | 'node',
  setup: Setup,
): Case {
  const run = HANDSHAKE[layer];
  setTlsPublicKeyCrypto(mode);
  const ticket = name === 'resumed' ? run(setup, undefined, true) : undefined;
  if (name === 'resumed') {
    if (!ticket) throw new Error('no session ticket');
    // RFC 8446 §2.2: a resumed handshake has no Certificate and no CertificateVerify.
    const before = setup.signatures;
    run(setup, ticket);
    if (setup.signatures !== before) throw new Error('the server signed: resumption was not used');
  }
  return { layer, name, mode, run: () => void run(setup, ticket), samples: [], serverSamples: [] };
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
  timeServer = false;
  const name = process.argv.includes('--resumed') ? 'resumed' : 'full';
  const c = makeCase(process.argv.includes('--tls') ? 'tls' : 'quic', name, mode, setup);
  setTlsPublicKeyCrypto(c.mode);
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) c.run();
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000 / iterations;
  console.log(
    `${c.layer} ${c.name} ${mode}: ${iterations} handshakes, ${ms.toFixed(2)} CPU ms each`,
  );
}

/** The server engine's p50 and handshakes per second of its CPU (tls layer), else blanks. */
function serverColumns(samples: number[]): string[] {
  if (samples.length === 0) return ['', ''];
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return [percentile(sorted, 0.5).toFixed(2), (1000 / mean).toFixed(0)];
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
  const cases: Case[] = [];
  for (const layer of ['quic', 'tls'] as const) {
    for (const name of ['full', 'resumed'] as const) {
      for (const mode of ['pure', 'node'] as const) cases.push(makeCase(layer, name, mode, setup));
    }
  }
  for (const c of cases) {
    setTlsPublicKeyCrypto(c.mode);
    for (let i = 0; i < 3; i++) c.run(); // JIT warm-up
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      setTlsPublicKeyCrypto(c.mode);
      const n = c.name === 'full' ? perRound.full : perRound.resumed;
      for (let i = 0; i < n; i++) {
        const serverBefore = serverMs;
        c.samples.push(cpuMs(c.run));
        if (c.layer === 'tls') c.serverSamples.push(serverMs - serverBefore);
      }
    }
  }
  setTlsPublicKeyCrypto('auto');

  console.log(
    `Handshakes in memory, both sides in this process (quic: two Connections; tls: the TLS engines alone); server key ${keyType}, root ec-p256; QUIC packet protection: ${provider.name}`,
  );
  console.log(
    `Node ${process.version}; CPU ms per handshake (client + server), ${rounds} interleaved rounds; x = pure p50 / node p50; server: the TLS server engine's own CPU (tls layer)\n`,
  );
  const header = [
    'layer',
    'handshake',
    'TLS public key',
    'p50 ms',
    'p90 ms',
    'mean ms',
    'per s',
    'x',
    'server p50 ms',
    'server per s',
  ];
  const rows: string[][] = [];
  for (const c of cases) {
    const sorted = [...c.samples].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    const pure = cases.find((o) => o.layer === c.layer && o.name === c.name && o.mode === 'pure')!;
    const pureP50 = percentile(
      [...pure.samples].sort((a, b) => a - b),
      0.5,
    );
    rows.push([
      c.layer,
      c.name,
      c.mode,
      percentile(sorted, 0.5).toFixed(2),
      percentile(sorted, 0.9).toFixed(2),
      mean.toFixed(2),
      (1000 / mean).toFixed(0),
      c.mode === 'node' ? (pureP50 / percentile(sorted, 0.5)).toFixed(1) : '',
      ...serverColumns(c.serverSamples),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main();
