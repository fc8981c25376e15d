// `npm run bench`: what users will feel, against the limits and the
// alternatives, measured in one run on loopback UDP with 1200-byte
// datagrams; client and server always in separate processes. Prints a table
// and writes bench/results/latest.json. Figures are meant to be read as
// ratios within one run (shared machines are noisy); nothing here asserts.
//
//   npm run bench                        100 MB downloads, everything
//   npm run bench -- --size 20 --idle 1000,10000 --handshakes 200
//   npm run bench -- --only downloads --profile   CPU profiles of our processes
//                                                 in bench/results/profiles/
//
// The quic-go rows need interop/build/quic-go-endpoint (interop/build-quic-go.sh);
// without it they are skipped.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSelfSignedCertificate } from '../src/self-signed-certificate.js';
import type { CoreTransferResult } from './core-transfer.js';
import { cpuSeconds } from './process-stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const QUIC_GO = join(repo, 'interop', 'build', 'quic-go-endpoint');

interface Row {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const rows: Row[] = [];
function row(name: string, value: number, unit: string, note?: string): void {
  rows.push({ name, value, unit, ...(note ? { note } : {}) });
  const shown = Number.isInteger(value) ? `${value}` : value.toFixed(value < 10 ? 2 : 1);
  console.log(`${name.padEnd(52)} ${shown.padStart(10)} ${unit.padEnd(14)} ${note ?? ''}`);
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** --only a,b: run only those parts (core, downloads, handshakes, idle). */
function only(part: string): boolean {
  const parts = option('only', '');
  return parts === '' || parts.split(',').includes(part);
}

/** A forked bench child and a queue of the messages it sends. */
interface Child {
  process: ChildProcess;
  next<T>(): Promise<T>;
}

function child(file: string, args: (string | number)[], execArgv: string[] = []): Child {
  const proc = fork(join(here, file), args.map(String), { execArgv, stdio: 'inherit' });
  const queue: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  const failed: ((e: Error) => void)[] = [];
  proc.on('message', (m) => {
    const w = waiting.shift();
    failed.shift();
    if (w) w(m);
    else queue.push(m);
  });
  proc.on('exit', (code) => {
    for (const f of failed.splice(0)) f(new Error(`${file} ${args[0]} exited (${code})`));
    waiting.length = 0;
  });
  return {
    process: proc,
    next<T>() {
      if (queue.length > 0) return Promise.resolve(queue.shift() as T);
      if (proc.exitCode !== null) return Promise.reject(new Error(`${file} already exited`));
      return new Promise<T>((resolve, reject) => {
        waiting.push(resolve as (m: unknown) => void);
        failed.push(reject);
      });
    },
  };
}

async function stop(c: Child): Promise<void> {
  if (c.process.exitCode !== null) return;
  const exited = new Promise((resolve) => c.process.once('exit', resolve));
  c.process.send('exit');
  const timer = setTimeout(() => c.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * node:dgram blasting 1200-byte datagrams from one process to another. With
 * `aead`, each datagram is also sealed and opened with node:crypto AES-GCM
 * (udp-blast.ts): no QUIC at all, so its rate bounds what any QUIC stack on
 * these two primitives can reach on this machine.
 */
async function udpBlast(aead: boolean): Promise<{ mbps: number; sent: number; got: number }> {
  const mode = aead ? ['aead'] : [];
  const receiver = child('udp-blast.js', ['receiver', ...mode]);
  const { port } = await receiver.next<{ port: number }>();
  const sender = child('udp-blast.js', ['sender', port, 3, ...mode]);
  const { datagrams: sent } = await sender.next<{ datagrams: number }>();
  await new Promise((r) => setTimeout(r, 300));
  receiver.process.send('report');
  const got = await receiver.next<{
    bytes: number;
    datagrams: number;
    failed: number;
    seconds: number;
  }>();
  if (got.failed > 0) throw new Error(`udp-blast: ${got.failed} datagrams failed to open`);
  return { mbps: got.bytes / 1e6 / got.seconds, sent, got: got.datagrams };
}

async function udpCeiling(): Promise<number> {
  const raw = await udpBlast(false);
  row(
    'raw UDP ceiling (node:dgram, 1200 B, process->process)',
    raw.mbps,
    'MB/s',
    `${((100 * raw.got) / raw.sent).toFixed(0)}% of ${raw.sent} datagrams arrived`,
  );
  const sealed = await udpBlast(true);
  row(
    'UDP + AES-128-GCM per datagram (node:crypto, no QUIC)',
    sealed.mbps,
    'MB/s',
    `${((100 * sealed.mbps) / raw.mbps).toFixed(0)}% of raw UDP: the bound for any QUIC stack on node:dgram + node:crypto here`,
  );
  return raw.mbps;
}

interface Download {
  mbps: number;
  clientCpuPerMB: number;
  serverCpuPerMB: number;
  /** Our client only: datagrams it received per datagram it sent (ACKs, flow control). */
  receivedPerSent?: number;
}

/** With --profile, our QUIC processes write .cpuprofile files (node --cpu-prof). */
function profiling(): string[] {
  if (!process.argv.includes('--profile')) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${join(repo, 'bench', 'results', 'profiles')}`];
}

async function ourServer(certs: string, provider: string, gc = false): Promise<Child> {
  const server = child(
    'quic-server.js',
    [join(certs, 'cert.pem'), join(certs, 'priv.key'), provider],
    gc ? ['--expose-gc'] : profiling(),
  );
  return server;
}

/** Our client, in its own process (CPU of the transfer only), from a server on `port` whose pid is `serverPid`. */
async function ourClient(port: number, size: number, provider: string, serverPid: number) {
  const serverCpu = cpuSeconds(serverPid);
  const client = child('quic-client.js', ['download', port, size, provider], profiling());
  const result = await client.next<{
    bytes: number;
    seconds: number;
    cpu: number;
    datagramsSent: number;
    datagramsReceived: number;
  }>();
  const serverUsed = cpuSeconds(serverPid) - serverCpu;
  if (result.bytes !== size) throw new Error(`downloaded ${result.bytes} of ${size} bytes`);
  const mb = size / 1e6;
  return {
    mbps: mb / result.seconds,
    clientCpuPerMB: (result.cpu / mb) * 1000,
    serverCpuPerMB: (serverUsed / mb) * 1000,
    receivedPerSent: result.datagramsReceived / Math.max(1, result.datagramsSent),
  };
}

/** A quic-go endpoint (interop contract); resolves once it prints 'listening'. */
function quicGoServer(www: string, certs: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(QUIC_GO, [], {
      env: {
        ...process.env,
        ROLE: 'server',
        TESTCASE: 'transfer',
        WWW: www,
        CERTS: certs,
        HOST: '127.0.0.1',
        PORT: `${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('listening')) resolve(proc);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`quic-go server exited (${code}): ${output}`)));
  });
}

/**
 * quic-go's client downloading `/<size>`; wall time and CPU from spawn to exit (so they
 * include its start and handshake), CPU sampled from /proc every 20 ms.
 */
function quicGoClient(port: number, size: number, downloads: string, serverPid: number) {
  return new Promise<Download>((resolve, reject) => {
    const serverCpu = cpuSeconds(serverPid);
    const started = performance.now();
    const proc = spawn(QUIC_GO, [], {
      env: {
        ...process.env,
        ROLE: 'client',
        TESTCASE: 'transfer',
        REQUESTS: `https://127.0.0.1:${port}/${size}`,
        DOWNLOADS: downloads,
        CERTS: join(downloads, 'no-ca'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let clientCpu = 0;
    const sampler = setInterval(() => {
      try {
        clientCpu = cpuSeconds(proc.pid!);
      } catch {}
    }, 20);
    proc.once('exit', (code) => {
      clearInterval(sampler);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`quic-go client exited ${code}`));
      const mb = size / 1e6;
      resolve({
        mbps: mb / seconds,
        clientCpuPerMB: (clientCpu / mb) * 1000,
        serverCpuPerMB: ((cpuSeconds(serverPid) - serverCpu) / mb) * 1000,
      });
    });
  });
}

function downloadRow(name: string, d: Download, ceiling: number): void {
  row(
    name,
    d.mbps,
    'MB/s',
    `${((100 * d.mbps) / ceiling).toFixed(0)}% of UDP; CPU/MB client ${d.clientCpuPerMB.toFixed(1)} ms, server ${d.serverCpuPerMB.toFixed(1)} ms${d.receivedPerSent ? `; client sent 1 datagram per ${d.receivedPerSent.toFixed(0)} received` : ''}`,
  );
}

async function downloads(root: string, certs: string, size: number, ceiling: number) {
  for (const provider of ['node', 'pure']) {
    const server = await ourServer(certs, provider);
    const { port } = await server.next<{ port: number }>();
    const pid = server.process.pid!;
    downloadRow(
      `our client <- our server (${provider} crypto)`,
      await ourClient(port, size, provider, pid),
      ceiling,
    );
    if (existsSync(QUIC_GO)) {
      const dir = join(root, `go-client-${provider}`);
      mkdirSync(dir, { recursive: true });
      const d = await quicGoClient(port, size, dir, pid);
      downloadRow(`quic-go client <- our server (${provider} crypto)`, d, ceiling);
      rmSync(dir, { recursive: true, force: true });
    }
    await stop(server);
  }
  if (existsSync(QUIC_GO)) {
    const www = join(root, 'www');
    mkdirSync(www, { recursive: true });
    const block = Buffer.alloc(size);
    for (let i = 0; i < size; i++) block[i] = i & 0xff;
    writeFileSync(join(www, `${size}`), block);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = await quicGoServer(www, certs, port);
    for (const provider of ['node', 'pure']) {
      const d = await ourClient(port, size, provider, server.pid!);
      downloadRow(`our client (${provider} crypto) <- quic-go server`, d, ceiling);
    }
    server.kill('SIGTERM');
    rmSync(www, { recursive: true, force: true });
  } else {
    console.log('(quic-go rows skipped: run interop/build-quic-go.sh)');
  }
  const tlsServer = child('tls-tcp.js', [
    'server',
    join(certs, 'cert.pem'),
    join(certs, 'priv.key'),
  ]);
  const { port } = await tlsServer.next<{ port: number }>();
  const tlsCpu = cpuSeconds(tlsServer.process.pid!);
  const tlsClient = child('tls-tcp.js', ['client', port, size]);
  const t = await tlsClient.next<{ bytes: number; seconds: number; cpu: number }>();
  const mb = size / 1e6;
  downloadRow(
    'reference: node:tls over TCP (TLS 1.3)',
    {
      mbps: mb / t.seconds,
      clientCpuPerMB: (t.cpu / mb) * 1000,
      serverCpuPerMB: ((cpuSeconds(tlsServer.process.pid!) - tlsCpu) / mb) * 1000,
    },
    ceiling,
  );
  await stop(tlsServer);
}

/**
 * The sans-IO core alone (bench/core-transfer.ts): CPU per datagram of the
 * sending and the receiving Connection, without sockets, so core changes can
 * be compared without the noise of two processes sharing the machine.
 */
async function core(size: number): Promise<void> {
  // [provider, datagrams the client takes per round]: 2 acknowledges about
  // every second packet, as quic-go's client does (the sender's ACK path).
  const runs: [string, number][] = [
    ['node', Number.POSITIVE_INFINITY],
    ['pure', Number.POSITIVE_INFINITY],
    ['none', Number.POSITIVE_INFINITY],
    ['none', 2],
  ];
  for (const [provider, batch] of runs) {
    // The cheapest of 5 transfers of at most 10 MB each (5 MB with an ACK every 2 packets).
    const mb = Math.min(size, batch === 2 ? 5e6 : 10e6) / 1e6;
    const c = child('core-transfer.js', [mb, provider, 5, batch], profiling());
    const result = await c.next<CoreTransferResult>();
    const perSent = result.server.micros / result.server.datagramsSent;
    const perReceived = result.client.micros / result.client.datagramsReceived;
    const how = `${provider} packet crypto${batch === 2 ? ', ACK every 2nd' : ''}`;
    row(
      `core: sender time per datagram (${how})`,
      perSent,
      'us',
      `${result.server.datagramsSent} sent, ${result.server.datagramsReceived} received; ${((result.server.micros / result.bytes) * 1000).toFixed(1)} ms/MB`,
    );
    row(
      `core: receiver time per datagram (${how})`,
      perReceived,
      'us',
      `${result.client.datagramsSent} ACK datagrams sent; ${((result.client.micros / result.bytes) * 1000).toFixed(1)} ms/MB`,
    );
  }
}

async function handshakes(certs: string, count: number, parallel: number): Promise<void> {
  const server = await ourServer(certs, 'node');
  const { port } = await server.next<{ port: number }>();
  const latency = child('quic-client.js', ['latency', port, count]);
  const l = await latency.next<{ full: number[]; resumed: number[]; resumedCount: number }>();
  row('handshake latency, full, p50', percentile(l.full, 50), 'ms', `${count} sequential`);
  row('handshake latency, full, p99', percentile(l.full, 99), 'ms');
  if (l.resumed.length > 0) {
    row(
      'handshake latency, resumed, p50',
      percentile(l.resumed, 50),
      'ms',
      `${l.resumed.length} sequential`,
    );
    row('handshake latency, resumed, p99', percentile(l.resumed, 99), 'ms');
  }
  const total = count * 5;
  const serverCpu = cpuSeconds(server.process.pid!);
  const rate = child('quic-client.js', ['rate', port, total, parallel]);
  const r = await rate.next<{ seconds: number; failures: number }>();
  const used = cpuSeconds(server.process.pid!) - serverCpu;
  rateRow('handshakes/s completed by the server', total, parallel, r, used);
  await stop(server);
  await quicGoHandshakeRate(certs, total, parallel);
}

function rateRow(
  name: string,
  total: number,
  parallel: number,
  r: { seconds: number; failures: number },
  serverCpuSeconds: number,
): void {
  row(
    name,
    total / r.seconds,
    'conn/s',
    `${parallel} concurrent clients, ${r.failures} failed; ${((serverCpuSeconds * 1000) / total).toFixed(2)} ms server CPU each = ${(total / serverCpuSeconds).toFixed(0)}/s per core`,
  );
}

/** The same clients against quic-go's server: what a native stack spends per handshake here. */
async function quicGoHandshakeRate(certs: string, total: number, parallel: number): Promise<void> {
  if (!existsSync(QUIC_GO)) return;
  const www = join(dirname(certs), 'www-rate');
  mkdirSync(www, { recursive: true });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = await quicGoServer(www, certs, port);
  try {
    const before = cpuSeconds(server.pid!);
    const rate = child('quic-client.js', ['rate', port, total, parallel]);
    const r = await rate.next<{ seconds: number; failures: number }>();
    const used = cpuSeconds(server.pid!) - before;
    rateRow('reference: handshakes/s by quic-go server', total, parallel, r, used);
  } finally {
    server.kill('SIGTERM');
  }
}

interface ServerStats {
  connections: number;
  /** Connections the server still holds, closing periods included. */
  live: number;
  memory: NodeJS.MemoryUsage;
}

/**
 * Enough for V8 to have optimised the handshake and idle paths: with 200,
 * ~1 MB of optimised code was still being compiled during the measured 1000.
 */
const WARM_UP_CONNECTIONS = 1000;

/**
 * Opens and closes `count` connections and waits until the server has let
 * them all go, so the baseline already holds what is built once per process
 * (compiled code, inline caches, lazily built tables), not per connection.
 */
async function warmUp(server: Child, port: number, count: number, parallel: number) {
  const warm = child('quic-client.js', ['idle', port, count, parallel]);
  await warm.next();
  warm.process.send('close');
  await warm.next();
  for (let i = 0; i < 100; i++) {
    server.process.send('stats');
    // Closed connections stay in their closing period (3 PTOs) a little longer.
    if ((await server.next<ServerStats>()).live === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function idleMemory(certs: string, count: number, parallel: number): Promise<void> {
  const server = await ourServer(certs, 'node', true);
  const { port } = await server.next<{ port: number }>();
  await warmUp(server, port, WARM_UP_CONNECTIONS, parallel);
  server.process.send('stats');
  const before = await server.next<ServerStats>();
  const idle = child('quic-client.js', ['idle', port, count, parallel]);
  const opened = await idle.next<{ opened: number; failures: number }>();
  // The server may still be dispatching the last accepted connections.
  let after: ServerStats;
  for (let i = 0; ; i++) {
    server.process.send('stats');
    after = await server.next<ServerStats>();
    if (after.connections >= opened.opened || i === 100) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const n = Math.max(1, after.connections);
  const heap =
    after.memory.heapUsed + after.memory.external - before.memory.heapUsed - before.memory.external;
  const rss = after.memory.rss - before.memory.rss;
  row(
    `memory per idle connection, ${count} on one server`,
    heap / n / 1024,
    'KiB',
    `JS heap + external after GC, baseline after ${WARM_UP_CONNECTIONS} warm-up connections; RSS ${(rss / n / 1024).toFixed(1)} KiB; ${after.connections} open, ${opened.failures} failed`,
  );
  idle.process.send('close');
  await idle.next();
  await stop(server);
}

/** The issue's goals for this machine class, each against its row of this run. */
function printGoals(): void {
  const find = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
  const ceiling = find('raw UDP')?.value;
  const sealedFloor = find('UDP + AES-128-GCM')?.value;
  const ours = find('our client <- our server (node');
  const p50 = find('handshake latency, full, p50');
  const rate = find('handshakes/s');
  const perCore = Number(/= (\d+)\/s per core/.exec(rate?.note ?? '')?.[1] ?? Number.NaN);
  const idle = rows.filter((r) => r.name.startsWith('memory per idle'));
  const goals: [string, boolean | undefined, string][] = [
    [
      'our client <- our server >= 50% of raw UDP (node crypto)',
      ceiling && ours ? ours.value >= ceiling / 2 : undefined,
      ceiling && ours
        ? `${((100 * ours.value) / ceiling).toFixed(0)}%${sealedFloor ? ` (bound ${((100 * sealedFloor) / ceiling).toFixed(0)}%)` : ''}`
        : '-',
    ],
    [
      'handshake p50 < 5 ms',
      p50 ? p50.value < 5 : undefined,
      p50 ? `${p50.value.toFixed(2)} ms` : '-',
    ],
    [
      '>= 500 handshakes/s on one server core',
      rate ? perCore >= 500 : undefined,
      rate ? `${perCore}/s` : '-',
    ],
    ...idle.map((r): [string, boolean, string] => [
      `< 20 KiB per idle connection (${r.name.replace(/\D+/g, ' ').trim()})`,
      r.value < 20,
      `${r.value.toFixed(1)} KiB`,
    ]),
  ];
  console.log('\ngoals');
  for (const [name, met, value] of goals) {
    const verdict = met === undefined ? 'not measured' : met ? 'met' : 'NOT met';
    console.log(`  ${name.padEnd(52)} ${value.padStart(18)}  ${verdict}`);
  }
}

async function main(): Promise<void> {
  const size = Math.round(Number(option('size', '100')) * 1e6);
  const count = Number(option('handshakes', '200'));
  const parallel = Number(option('parallel', '16'));
  const idle = option('idle', '1000,10000').split(',').map(Number).filter(Boolean);
  const root = mkdtempSync(join(tmpdir(), 'quic-bench-'));
  const certs = join(root, 'certs');
  mkdirSync(certs);
  const cert = await generateSelfSignedCertificate({ names: ['localhost', '127.0.0.1'] });
  writeFileSync(join(certs, 'cert.pem'), cert.certificatePem);
  writeFileSync(join(certs, 'priv.key'), cert.privateKeyPem);
  console.log(`quic-socket bench, node ${process.version}, ${size / 1e6} MB downloads\n`);
  try {
    if (only('core')) await core(size);
    // The raw UDP ceiling runs with every part that uses sockets.
    const sockets = only('downloads') || only('handshakes') || only('idle');
    const ceiling = sockets ? await udpCeiling() : 0;
    if (only('downloads')) await downloads(root, certs, size, ceiling);
    if (only('handshakes')) await handshakes(certs, count, parallel);
    if (only('idle')) for (const n of idle) await idleMemory(certs, n, parallel);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  printGoals();
  const out = join(repo, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const json = { date: new Date().toISOString(), node: process.version, size, rows };
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwritten bench/results/latest.json`);
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exitCode = 1;
});
