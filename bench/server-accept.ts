// How many connections per second our QUIC server accepts on loopback. The
// server runs in its own process (interop/endpoint, ROLE=server, TESTCASE=
// handshake, a P-256 certificate); this process runs `parallel` loops of
// sequential clients, each doing a full handshake (no resumption) and a
// close. Prints connections/s and the server's endpoint stats.
//
//   npm run build && tsc bench/server-accept.ts --outDir dist --rootDir . --module nodenext \
//     --moduleResolution nodenext --target es2022 --strict --skipLibCheck --types node \
//     && node dist/bench/server-accept.js [connections=300] [parallel=1]
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePrivateKeyPem } from '../crypto/tls/private-key.js';
import { buildCertificate } from '../src/certificate-builder.js';
import { openClientConnection } from '../src/quic/client-connection.js';
import { secureRandom } from '../src/quic/secure-random.js';
import { nodeUdpStack } from '../src/udp/node-dgram.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

function certificates(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const der = buildCertificate(
    {
      commonName: 'localhost',
      notBefore: Date.now() - 3_600_000,
      notAfter: Date.now() + 86_400_000,
      subjectSpki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      names: ['localhost', '127.0.0.1'],
      keyUsage: ['digitalSignature'],
    },
    { key: parsePrivateKeyPem(keyPem) },
    secureRandom,
  );
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
  writeFileSync(
    join(dir, 'cert.pem'),
    `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
  );
  writeFileSync(join(dir, 'priv.key'), keyPem);
}

function handshake(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const handle = openClientConnection(
      nodeUdpStack,
      { host: '127.0.0.1', port, alpn: ['hq-interop'], dangerouslySkipVerification: true },
      (event) => {
        if (done) return;
        if (event.type === 'connected' || event.type === 'closed') {
          done = true;
          void handle.then(async (h) => {
            h.connection.close(nodeUdpStack.clock.now(), 0, '');
            h.driver.service();
            h.driver.stop();
            await h.socket.close();
            if (event.type === 'connected') resolve();
            else reject(new Error(`closed: ${event.info.reason}`));
          });
        }
      },
    );
    handle.catch(reject);
  });
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 300);
  const parallel = Number(process.argv[3] ?? 1);
  const root = mkdtempSync(join(tmpdir(), 'quic-accept-'));
  certificates(join(root, 'certs'));
  mkdirSync(join(root, 'www'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(join(repo, 'interop', 'endpoint'), [], {
    env: {
      ...process.env,
      ROLE: 'server',
      TESTCASE: 'handshake',
      WWW: join(root, 'www'),
      CERTS: join(root, 'certs'),
      HOST: '127.0.0.1',
      PORT: `${port}`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve) =>
    server.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.includes('listening')) resolve();
    }),
  );
  // Warm up both sides' JIT before timing.
  for (let i = 0; i < 20; i++) await handshake(port);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < total) {
        next++;
        await handshake(port).catch(() => failures++);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  const statsLine = output.split('\n').find((l) => l.startsWith('{'));
  console.log(
    `${total} handshakes, ${parallel} at a time: ${(total / seconds).toFixed(1)} connections/s ` +
      `(${((seconds * 1000) / total).toFixed(2)} ms each), ${failures} failed`,
  );
  if (statsLine) console.log(`server: ${statsLine}`);
  rmSync(root, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
