// `npm run interop`: runs interop cases over real UDP on loopback in three
// directions: our client against the quic-go server (interop/build-quic-go.sh),
// quic-go's client against our server, and our client against our server;
// checks every downloaded file byte for byte (and that our server exits
// cleanly on SIGTERM, having sent a Retry in `retry`), prints a results
// table and writes JSON.
// Exits non-zero when a case fails.
//
//   npm run interop                     every case
//   npm run interop -- transfer retry   only these
//   npm run interop -- scenarios        the network scenarios through the
//                                       impairment relay (interop/scenarios.ts)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePrivateKeyPem } from '../crypto/tls/private-key.js';
import { buildCertificate } from '../src/certificate-builder.js';
import { secureRandom } from '../src/quic/secure-random.js';
import { runRelayScenarios, type ScenarioResult } from './scenarios.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const QUIC_GO = join(repo, 'interop', 'build', 'quic-go-endpoint');
const OUR_ENDPOINT = join(repo, 'interop', 'endpoint');

type Implementation = 'quic-socket' | 'quic-go';
const BINARY: Record<Implementation, string> = { 'quic-socket': OUR_ENDPOINT, 'quic-go': QUIC_GO };

/** Client -> server pairs and the cases each runs (quic-go's client supports these five). */
const SERVER_CASES = ['handshake', 'transfer', 'multiplexing', 'chacha20', 'retry'];
const DIRECTIONS: { client: Implementation; server: Implementation; cases?: string[] }[] = [
  { client: 'quic-socket', server: 'quic-go' },
  { client: 'quic-go', server: 'quic-socket', cases: SERVER_CASES },
  { client: 'quic-socket', server: 'quic-socket', cases: [...SERVER_CASES, 'versionnegotiation'] },
];

interface Case {
  name: string;
  /** Files served: path -> size. */
  files: { path: string; size: number }[];
}

function sized(prefix: string, sizes: number[]): { path: string; size: number }[] {
  return sizes.map((size, i) => ({ path: `/${prefix}-${i}`, size }));
}

const CASES: Case[] = [
  { name: 'handshake', files: sized('handshake', [1024]) },
  {
    name: 'transfer',
    files: sized('transfer', [2 * 1024 * 1024, 3 * 1024 * 1024, 5 * 1024 * 1024]),
  },
  {
    name: 'multiplexing',
    files: Array.from({ length: 2000 }, (_, i) => ({ path: `/mux/${i}`, size: 32 })),
  },
  { name: 'chacha20', files: sized('chacha20', [1024]) },
  { name: 'retry', files: sized('retry', [1024]) },
  { name: 'versionnegotiation', files: sized('vn', [1024]) },
];

/** One row of the results table (the same shape for cases and relay scenarios). */
type Result = ScenarioResult;

function makeCertificates(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const key = parsePrivateKeyPem(keyPem);
  const now = Date.now();
  const der = buildCertificate(
    {
      commonName: 'localhost',
      notBefore: now - 3_600_000,
      notAfter: now + 7 * 86_400_000,
      subjectSpki: spki,
      names: ['localhost', '127.0.0.1', '::1'],
      keyUsage: ['digitalSignature'],
    },
    { key },
    secureRandom,
  );
  const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END CERTIFICATE-----\n`;
  writeFileSync(join(dir, 'cert.pem'), pem);
  writeFileSync(join(dir, 'ca.pem'), pem);
  writeFileSync(join(dir, 'priv.key'), keyPem);
}

function makeFiles(www: string, files: Case['files']): void {
  for (const file of files) {
    const path = join(www, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, secureRandom(file.size));
  }
}

async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

interface RunningServer {
  process: ChildProcess;
  log: () => string;
}

function startServer(
  implementation: Implementation,
  testcase: string,
  env: Record<string, string>,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY[implementation], [], {
      env: { ...process.env, ROLE: 'server', TESTCASE: testcase, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening')) resolve({ process: child, log: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${implementation} server exited (${code}): ${output}`)),
    );
    setTimeout(
      () => reject(new Error(`${implementation} server did not start: ${output}`)),
      10_000,
    ).unref();
  });
}

function runClient(
  implementation: Implementation,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(BINARY[implementation], [], {
      env: { ...process.env, ROLE: 'client', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function verify(www: string, downloads: string, files: Case['files']): string | undefined {
  for (const file of files) {
    const got = join(downloads, file.path);
    if (!existsSync(got)) return `${file.path} missing`;
    if (!readFileSync(got).equals(readFileSync(join(www, file.path)))) {
      return `${file.path} differs`;
    }
  }
  return undefined;
}

async function runCase(
  root: string,
  certs: string,
  c: Case,
  client: Implementation,
  server: Implementation,
): Promise<Result> {
  const dir = join(root, `${client}-${server}`, c.name);
  const www = join(dir, 'www');
  const downloads = join(dir, 'downloads');
  mkdirSync(downloads, { recursive: true });
  // quic-go's client writes DOWNLOADS/<path> without creating directories.
  for (const file of c.files) mkdirSync(dirname(join(downloads, file.path)), { recursive: true });
  makeFiles(www, c.files);
  const port = await freePort();
  const base = { case: c.name, client, server, bytes: 0, seconds: 0 };
  const running = await startServer(server, c.name, {
    WWW: www,
    CERTS: certs,
    HOST: '127.0.0.1',
    PORT: `${port}`,
  });
  try {
    const started = performance.now();
    const requests = c.files.map((f) => `https://127.0.0.1:${port}${f.path}`).join(' ');
    const { code, output } = await runClient(
      client,
      {
        TESTCASE: c.name,
        REQUESTS: requests,
        DOWNLOADS: downloads,
        CERTS: certs,
        SSLKEYLOGFILE: join(dir, 'keys.log'),
      },
      120_000,
    );
    const seconds = (performance.now() - started) / 1000;
    if (code === 127) return { ...base, result: 'unsupported', seconds };
    const bytes = c.files.reduce((n, f) => n + f.size, 0);
    const problem =
      code === 0 ? verify(www, downloads, c.files) : `exit ${code}: ${output.trim().slice(-300)}`;
    if (problem) return { ...base, result: 'failed', seconds, bytes, detail: problem };
    const serverProblem = await checkOurServer(server, running, c.name);
    if (serverProblem) return { ...base, result: 'failed', seconds, bytes, detail: serverProblem };
    const stats = client === 'quic-socket' ? parseStats(output) : undefined;
    const transferMs = stats?.totalMs ?? seconds * 1000;
    return {
      ...base,
      result: 'passed',
      seconds,
      bytes,
      throughputMBps: bytes / 1e6 / (transferMs / 1000),
    };
  } finally {
    running.process.kill('SIGTERM');
  }
}

/**
 * Our server prints its endpoint stats when SIGTERM closes it: it must exit
 * 0 (every connection closed cleanly) and, for `retry`, have sent a Retry.
 */
async function checkOurServer(
  server: Implementation,
  running: RunningServer,
  testcase: string,
): Promise<string | undefined> {
  if (server !== 'quic-socket') return undefined;
  const exitCode = new Promise<number | null>((resolve) =>
    running.process.once('exit', (code) => resolve(code)),
  );
  running.process.kill('SIGTERM');
  const code = await Promise.race([
    exitCode,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref()),
  ]);
  if (code === 'timeout') return 'our server did not exit within 5 s of SIGTERM';
  if (code !== 0) return `our server exited with ${code}: ${running.log().trim().slice(-300)}`;
  const line = running
    .log()
    .split('\n')
    .find((l) => l.startsWith('{'));
  const stats = line ? (JSON.parse(line) as { stats?: { retriesSent?: number } }).stats : undefined;
  if (testcase === 'retry' && !(stats?.retriesSent && stats.retriesSent > 0)) {
    return 'our server sent no Retry';
  }
  return undefined;
}

function parseStats(output: string): { totalMs: number } | undefined {
  const line = output.split('\n').find((l) => l.startsWith('{'));
  if (!line) return undefined;
  try {
    return JSON.parse(line) as { totalMs: number };
  } catch {
    return undefined;
  }
}

function printTable(results: Result[]): void {
  const rows = results.map((r) => [
    r.case,
    `${r.client} -> ${r.server}`,
    r.result,
    `${r.seconds.toFixed(2)} s`,
    r.bytes.toLocaleString('en-US'),
    r.throughputMBps === undefined || r.bytes < 1e6 ? '' : `${r.throughputMBps.toFixed(2)} MB/s`,
    r.detail ?? '',
  ]);
  const header = ['case', 'client -> server', 'result', 'time', 'bytes', 'throughput', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<number> {
  if (!existsSync(QUIC_GO))
    execFileSync(join(repo, 'interop', 'build-quic-go.sh'), { stdio: 'inherit' });
  const wanted = process.argv.slice(2);
  const cases = wanted.length ? CASES.filter((c) => wanted.includes(c.name)) : CASES;
  const root = mkdtempSync(join(tmpdir(), 'quic-socket-interop-'));
  const certs = join(root, 'certs');
  makeCertificates(certs);
  const results: Result[] = [];
  for (const { client, server, cases: names } of DIRECTIONS) {
    for (const c of cases) {
      if (names && !names.includes(c.name)) continue;
      const result = await runCase(root, certs, c, client, server).catch(
        (error: Error): Result => ({
          case: c.name,
          client,
          server,
          result: 'failed',
          seconds: 0,
          bytes: 0,
          detail: error.message,
        }),
      );
      results.push(result);
      console.log(
        `${result.case} (${client} -> ${server}): ${result.result}${result.detail ? ` (${result.detail})` : ''}`,
      );
    }
  }
  // Network scenarios through the impairment relay: interop/scenarios.ts.
  // Run by default and when named ('scenarios', 'scenarios-quick' or one by name).
  results.push(
    ...(await runRelayScenarios(
      { root, certs, startServer, runClient, makeFiles, verify, freePort },
      wanted,
    )),
  );
  console.log('');
  printTable(results);
  const out = join(repo, 'interop', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'latest.json'),
    `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  console.log(`\nJSON: ${join(out, 'latest.json')}`);
  if (process.env.KEEP_INTEROP_FILES === undefined) rmSync(root, { recursive: true, force: true });
  return results.some((r) => r.result === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
