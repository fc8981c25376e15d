// The public QUIC interop runner's network scenarios over real UDP: each
// runs a client and a server (ours or quic-go) through interop/relay.ts,
// which applies the runner's default link (15 ms one-way, 10 Mbit/s, a
// 25-packet drop-tail queue) plus the scenario's impairments. The same
// scenarios run on the simulator in test/scenarios/.
//
// run.ts calls runRelayScenarios() with its process helpers; by name:
//   npm run interop -- handshakeloss goodput     these scenarios
//   npm run interop -- scenarios                 all of them
//   npm run interop -- scenarios-quick           a short subset (for CI)
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parsePrivateKeyPem } from '../crypto/tls/private-key.js';
import { PacketType } from '../quic/packet/packet-type.js';
import { buildCertificate } from '../src/certificate-builder.js';
import { secureRandom } from '../src/quic/secure-random.js';
import type { LinkOptions } from '../src/udp/simulated-link.js';
import { Relay, type RelayLogEntry } from './relay.js';

export type Implementation = 'quic-socket' | 'quic-go';

/** The runner's default link (its `simple-p2p` scenario). */
export const DEFAULT_LINK: LinkOptions = {
  delayMs: 15,
  bandwidthBps: 10_000_000,
  queuePackets: 25,
};

interface FileSpec {
  path: string;
  size: number;
}

export interface RelayScenario {
  name: string;
  /** Added to DEFAULT_LINK in both directions. */
  link?: LinkOptions;
  toServer?: LinkOptions;
  toClient?: LinkOptions;
  files: FileSpec[];
  /** A new client process (so a new connection) per file, as the runner's handshake scenarios. */
  connectionPerFile?: boolean;
  /** The server's certificate is over 7500 bytes (amplificationlimit). */
  largeCertificate?: boolean;
  /** A check of what crossed the relay; returns a problem or undefined. */
  check?: (log: readonly RelayLogEntry[]) => string | undefined;
  /** Per client run. */
  timeoutMs: number;
}

const KB = 1024;
const MB = 1024 * 1024;

function files(prefix: string, count: number, size: number): FileSpec[] {
  return Array.from({ length: count }, (_, i) => ({ path: `/${prefix}-${i}`, size }));
}

export function relayScenarios(connections = 50): RelayScenario[] {
  return [
    {
      name: 'handshakeloss',
      link: { loss: 0.3, maxConsecutiveLosses: 3 },
      files: files('handshakeloss', connections, KB),
      connectionPerFile: true,
      timeoutMs: 60_000,
    },
    {
      name: 'transferloss',
      link: { loss: 0.02, maxConsecutiveLosses: 3 },
      files: files('transferloss', 1, 2 * MB),
      timeoutMs: 120_000,
    },
    {
      name: 'handshakecorruption',
      link: { corrupt: { rate: 0.3, firstBytes: 50 } },
      files: files('handshakecorruption', connections, KB),
      connectionPerFile: true,
      timeoutMs: 60_000,
    },
    {
      name: 'transfercorruption',
      link: { corrupt: { rate: 0.02, firstBytes: 50 } },
      files: files('transfercorruption', 1, 2 * MB),
      timeoutMs: 120_000,
    },
    {
      name: 'blackhole',
      link: { blackhole: { downMs: 2000, everyMs: 5000 } },
      files: files('blackhole', 1, 10 * MB),
      timeoutMs: 180_000,
    },
    {
      name: 'longrtt',
      link: { delayMs: 750 },
      files: files('longrtt', 1, KB),
      check: checkInitialRetransmitted,
      timeoutMs: 60_000,
    },
    {
      name: 'amplificationlimit',
      // As the runner: the client's datagrams 2 to 7 (its retransmissions) are dropped.
      toServer: { filter: (packet) => packet.id < 2 || packet.id > 7 },
      files: files('amplificationlimit', 1, 5 * KB),
      largeCertificate: true,
      check: checkAmplificationLimit,
      timeoutMs: 60_000,
    },
    { name: 'goodput', files: files('goodput', 1, 10 * MB), timeoutMs: 120_000 },
  ];
}

/**
 * The CI subset: short versions of the loss scenarios, longrtt and
 * amplificationlimit. The latter only against our server: quic-go 0.29's
 * server sends one datagram past 3x (3756 bytes for 1200 received) and
 * fails the check in every run, which says nothing about our client.
 */
export const QUICK_SCENARIOS = ['handshakeloss', 'transferloss', 'longrtt', 'amplificationlimit'];

/**
 * RFC 9002 §6.2.1: with a 1.5 s RTT the client's PTO (from kInitialRtt,
 * 333 ms) fires before any reply: it must have sent its Initial again.
 */
export function checkInitialRetransmitted(log: readonly RelayLogEntry[]): string | undefined {
  const reply = log.find((e) => e.direction === 'to-client' && e.forwardedMs !== undefined);
  if (reply === undefined) return 'the server never replied';
  const initials = log.filter(
    (e) =>
      e.direction === 'to-server' &&
      e.timeMs < reply.forwardedMs! &&
      e.packetTypes.includes(PacketType.Initial),
  ).length;
  return initials >= 2
    ? undefined
    : `the client sent ${initials} Initial datagram(s) before the reply`;
}

/**
 * RFC 9000 §8.1: Prior to validating the client address, servers MUST NOT
 * send more than three times as many bytes as the number of bytes received.
 * The server validates the address on the client's first Handshake packet.
 */
export function checkAmplificationLimit(log: readonly RelayLogEntry[]): string | undefined {
  const toServer = log.filter((e) => e.direction === 'to-server' && e.forwardedMs !== undefined);
  const validating = toServer.find((e) => e.packetTypes.includes(PacketType.Handshake));
  if (validating === undefined) return 'the client never sent a Handshake packet';
  let sent = 0;
  for (const e of log) {
    if (e.direction !== 'to-client' || e.timeMs >= validating.forwardedMs!) continue;
    sent += e.bytes;
    const received = toServer
      .filter((c) => c.forwardedMs! <= e.timeMs)
      .reduce((n, c) => n + c.bytes, 0);
    if (sent > 3 * received) {
      return `the server sent ${sent} bytes having received ${received} before address validation`;
    }
  }
  return sent > 3000 ? undefined : `the server sent only ${sent} bytes before validation`;
}

/** A self-signed certificate over 7500 bytes: many long subjectAltNames. */
export function makeLargeCertificates(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const now = Date.now();
  const label = 'a'.repeat(60);
  const names = [
    'localhost',
    '127.0.0.1',
    ...Array.from({ length: 125 }, (_, i) => `${label}.host-${i}.localhost`),
  ];
  const der = buildCertificate(
    {
      commonName: 'localhost',
      notBefore: now - 3_600_000,
      notAfter: now + 7 * 86_400_000,
      subjectSpki: spki,
      names,
      keyUsage: ['digitalSignature'],
    },
    { key: parsePrivateKeyPem(keyPem) },
    secureRandom,
  );
  if (der.length <= 7500) throw new Error(`large certificate is only ${der.length} bytes`);
  const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END CERTIFICATE-----\n`;
  writeFileSync(join(dir, 'cert.pem'), pem);
  writeFileSync(join(dir, 'ca.pem'), pem);
  writeFileSync(join(dir, 'priv.key'), keyPem);
}

// ---- running through the relay -------------------------------------------------

export interface ScenarioResult {
  case: string;
  client: string;
  server: string;
  result: 'passed' | 'failed' | 'unsupported' | 'peer-deviation';
  seconds: number;
  bytes: number;
  throughputMBps?: number;
  detail?: string;
}

/** What run.ts lends: starting processes, making and checking files. */
export interface ScenarioHost {
  root: string;
  certs: string;
  startServer(
    implementation: Implementation,
    testcase: string,
    env: Record<string, string>,
  ): Promise<{ process: { kill(signal?: NodeJS.Signals): boolean } }>;
  runClient(
    implementation: Implementation,
    env: Record<string, string>,
    timeoutMs: number,
  ): Promise<{ code: number | null; output: string }>;
  makeFiles(www: string, files: FileSpec[]): void;
  verify(www: string, downloads: string, files: FileSpec[]): string | undefined;
  freePort(): Promise<number>;
}

export const RELAY_DIRECTIONS: { client: Implementation; server: Implementation }[] = [
  { client: 'quic-socket', server: 'quic-go' },
  { client: 'quic-go', server: 'quic-socket' },
];

/**
 * The scenarios named in `wanted` (or all of them for 'scenarios', the quick
 * subset with 10 connections for 'scenarios-quick'), in both directions.
 */
export async function runRelayScenarios(
  host: ScenarioHost,
  wanted: string[],
): Promise<ScenarioResult[]> {
  const all = wanted.includes('scenarios') || wanted.length === 0;
  const quick = wanted.includes('scenarios-quick');
  const scenarios = relayScenarios(quick ? 10 : 50).filter(
    (s) => all || wanted.includes(s.name) || (quick && QUICK_SCENARIOS.includes(s.name)),
  );
  const results: ScenarioResult[] = [];
  for (const { client, server } of RELAY_DIRECTIONS) {
    for (const scenario of scenarios) {
      if (quick && !all && scenario.name === 'amplificationlimit' && server !== 'quic-socket') {
        continue;
      }
      const result = await runRelayScenario(host, scenario, client, server).catch(
        (error: Error): ScenarioResult => ({
          case: scenario.name,
          client,
          server,
          result: 'failed',
          seconds: 0,
          bytes: 0,
          detail: error.message,
        }),
      );
      // quic-go 0.29's server checks its 3x budget before each datagram
      // rather than after, so it sends one datagram past the limit (3756
      // bytes for 1200 received): a deviation of the peer, reported as such,
      // not a failure of ours.
      if (
        result.result === 'failed' &&
        scenario.name === 'amplificationlimit' &&
        server === 'quic-go' &&
        /sent \d+ bytes having received/.test(result.detail ?? '')
      ) {
        result.result = 'peer-deviation';
        result.detail = `quic-go 0.29 server exceeds 3x: ${result.detail}`;
      }
      results.push(result);
      console.log(
        `${result.case} via relay (${client} -> ${server}): ${result.result}${result.detail ? ` (${result.detail})` : ''}, ${result.seconds.toFixed(2)} s`,
      );
    }
  }
  return results;
}

async function runRelayScenario(
  host: ScenarioHost,
  scenario: RelayScenario,
  client: Implementation,
  server: Implementation,
): Promise<ScenarioResult> {
  const dir = join(host.root, `relay-${client}-${server}`, scenario.name);
  const www = join(dir, 'www');
  const downloads = join(dir, 'downloads');
  mkdirSync(downloads, { recursive: true });
  for (const file of scenario.files) {
    mkdirSync(dirname(join(downloads, file.path)), { recursive: true });
  }
  host.makeFiles(www, scenario.files);
  let certs = host.certs;
  if (scenario.largeCertificate) {
    certs = join(dir, 'certs');
    makeLargeCertificates(certs);
  }
  const port = await host.freePort();
  const base = { case: scenario.name, client: `${client} (relay)`, server, bytes: 0, seconds: 0 };
  // The endpoints run their plain 'handshake' case: the impairments live in the relay.
  const running = await host.startServer(server, 'handshake', {
    WWW: www,
    CERTS: certs,
    HOST: '127.0.0.1',
    PORT: `${port}`,
  });
  const relay = await Relay.start({
    server: { address: '127.0.0.1', port },
    seed: 1,
    link: { ...DEFAULT_LINK, ...scenario.link },
    ...(scenario.toServer ? { toServer: scenario.toServer } : {}),
    ...(scenario.toClient ? { toClient: scenario.toClient } : {}),
  });
  try {
    const started = performance.now();
    let lastOutput = '';
    const groups = scenario.connectionPerFile ? scenario.files.map((f) => [f]) : [scenario.files];
    for (const group of groups) {
      const requests = group.map((f) => `https://127.0.0.1:${relay.port}${f.path}`).join(' ');
      const { code, output } = await host.runClient(
        client,
        {
          TESTCASE: 'handshake',
          REQUESTS: requests,
          DOWNLOADS: downloads,
          CERTS: certs,
          TIMEOUT_MS: `${scenario.timeoutMs}`,
        },
        scenario.timeoutMs + 5_000,
      );
      lastOutput = output;
      const seconds = (performance.now() - started) / 1000;
      if (code === 127) return { ...base, result: 'unsupported', seconds };
      if (code !== 0) {
        const detail = `${group[0]!.path}: exit ${code}: ${output.trim().slice(-300)}`;
        return { ...base, result: 'failed', seconds, detail };
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const bytes = scenario.files.reduce((n, f) => n + f.size, 0);
    // Our client reports its own transfer time (without process start-up).
    const transferSeconds =
      groups.length === 1 ? (ownTotalMs(lastOutput) ?? seconds * 1000) / 1000 : seconds;
    const problem =
      host.verify(www, downloads, scenario.files) ?? scenario.check?.(relay.log) ?? undefined;
    if (problem) return { ...base, result: 'failed', seconds, bytes, detail: problem };
    const c = relay.counters;
    return {
      ...base,
      result: 'passed',
      seconds,
      bytes,
      throughputMBps: bytes / 1e6 / transferSeconds,
      detail: `relay dropped ${c['to-server'].dropped}/${c['to-client'].dropped}, corrupted ${c['to-server'].corrupted}/${c['to-client'].corrupted} (to server/to client)`,
    };
  } finally {
    await relay.close();
    running.process.kill('SIGTERM');
  }
}

function ownTotalMs(output: string): number | undefined {
  const line = output.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) return undefined;
  try {
    const total = (JSON.parse(line) as { totalMs?: unknown }).totalMs;
    return typeof total === 'number' && total > 0 ? total : undefined;
  } catch {
    return undefined;
  }
}
