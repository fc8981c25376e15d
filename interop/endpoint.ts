// Our interop endpoint, following the QUIC interop runner's contract with
// paths from the environment (see interop/README.md):
//   ROLE=client|server  TESTCASE=<name>  (exit 127 for an unsupported case)
//   client: REQUESTS (space-separated URLs on one host), DOWNLOADS (directory);
//           verifies against $CERTS/ca.pem when it exists, else does not verify
//   server: WWW, CERTS (cert.pem, priv.key), HOST, PORT; runs until SIGTERM or
//           SIGINT, then closes every connection cleanly and exits 0
//   both:   SSLKEYLOGFILE (NSS key log); QLOGDIR is accepted and ignored
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parsePemCertificates } from '../crypto/tls/certificate.js';
import { parsePrivateKeyPem } from '../crypto/tls/private-key.js';
import { QUIC_V1 } from '../quic/version.js';
import type { QuicClientOptions } from '../src/quic/client-connection.js';
import { nodeUdpStack } from '../src/udp/node-dgram.js';
import { hqDownload } from './hq-client.js';
import { serveHq } from './hq-server.js';

const CLIENT_CASES: Record<string, Partial<QuicClientOptions>> = {
  handshake: {},
  // Small receive windows, so MAX_DATA and MAX_STREAM_DATA updates are exercised.
  transfer: {
    transport: {
      initialMaxData: 256 * 1024,
      initialMaxStreamDataBidiLocal: 128 * 1024,
      maxConnectionWindow: 4 * 1024 * 1024,
      maxStreamWindow: 2 * 1024 * 1024,
    },
  },
  multiplexing: {},
  chacha20: { cipherSuites: [0x1303] },
  retry: {},
  // RFC 9000 §6: offer a reserved version first; the server's Version
  // Negotiation packet moves the client to v1.
  versionnegotiation: { firstFlightVersion: 0x1a2a3a4a, version: QUIC_V1 },
};

interface ServerCase {
  retry?: 'always' | 'never';
  cipherSuites?: number[];
}

const SERVER_CASES: Record<string, ServerCase> = {
  handshake: {},
  transfer: {},
  multiplexing: {},
  // RFC 8446 §B.4: TLS_CHACHA20_POLY1305_SHA256 only.
  chacha20: { cipherSuites: [0x1303] },
  // RFC 9000 §8.1.2: a Retry for every connection.
  retry: { retry: 'always' },
  // Any client offering an unknown version gets Version Negotiation.
  versionnegotiation: {},
};

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`interop endpoint: ${name} is not set`);
    process.exit(1);
  }
  return value;
}

async function runClient(testcase: string): Promise<number> {
  const extra = CLIENT_CASES[testcase];
  if (extra === undefined) return 127;
  const urls = env('REQUESTS')
    .split(/\s+/)
    .filter(Boolean)
    .map((u) => new URL(u));
  if (urls.length === 0) {
    console.error('interop endpoint: REQUESTS is empty');
    return 1;
  }
  const downloads = env('DOWNLOADS', '/downloads');
  const first = urls[0]!;
  const host = first.hostname.replace(/^\[|\]$/g, '');
  const caFile = join(env('CERTS', '/certs'), 'ca.pem');
  const keyLogFile = process.env.SSLKEYLOGFILE;
  const options: QuicClientOptions = {
    host,
    port: Number(first.port || 443),
    alpn: ['hq-interop'],
    ...(existsSync(caFile)
      ? { trustAnchors: parsePemCertificates(readFileSync(caFile, 'utf8')) }
      : { dangerouslySkipVerification: true }),
    ...(keyLogFile ? { keyLog: (line: string) => appendFileSync(keyLogFile, `${line}\n`) } : {}),
    ...extra,
  };
  const paths = urls.map((u) => u.pathname);
  const result = await hqDownload(
    nodeUdpStack,
    options,
    paths,
    Number(process.env.TIMEOUT_MS ?? 120_000),
  );
  for (const { path, data } of result.downloads) {
    const file = join(downloads, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  const bytes = result.downloads.reduce((n, d) => n + d.data.length, 0);
  console.log(
    JSON.stringify({
      testcase,
      files: result.downloads.length,
      bytes,
      handshakeMs: Math.round(result.handshakeMs * 10) / 10,
      totalMs: Math.round(result.totalMs),
      version: `0x${result.version.toString(16)}`,
      cipherSuite: result.cipherSuite,
      stats: result.stats,
    }),
  );
  return 0;
}

async function runServer(testcase: string): Promise<number> {
  const extra = SERVER_CASES[testcase];
  if (extra === undefined) return 127;
  const certs = env('CERTS', '/certs');
  const chain = parsePemCertificates(readFileSync(join(certs, 'cert.pem'), 'utf8'));
  const key = parsePrivateKeyPem(readFileSync(join(certs, 'priv.key'), 'utf8'));
  const keyLogFile = process.env.SSLKEYLOGFILE;
  const host = env('HOST', '::');
  const listener = await serveHq(
    nodeUdpStack,
    {
      address: host,
      port: Number(env('PORT', '443')),
      retry: extra.retry ?? 'never',
      transport: { maxIdleTimeout: 60_000 },
      tls: {
        certificate: { chain, key },
        alpn: ['hq-interop'],
        ...(extra.cipherSuites ? { cipherSuites: extra.cipherSuites } : {}),
        ...(keyLogFile
          ? { keyLog: (line: string) => appendFileSync(keyLogFile, `${line}\n`) }
          : {}),
      },
    },
    env('WWW', '/www'),
  );
  console.log(`listening on ${listener.localAddress}:${listener.localPort} (${testcase})`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await listener.close(0, 'server shutting down');
  console.log(JSON.stringify({ testcase, role: 'server', stats: listener.stats }));
  return 0;
}

async function main(): Promise<number> {
  const role = env('ROLE');
  const testcase = env('TESTCASE');
  if (role === 'client') return runClient(testcase);
  if (role === 'server') return runServer(testcase);
  console.error(`interop endpoint: ROLE must be client or server, not ${role}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`interop endpoint failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  },
);
