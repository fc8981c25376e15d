// Packet-protection benchmark: microseconds per 1200-byte packet to seal and
// to open, per suite and provider, the header-protection cost, and a naive
// baseline measured in the same run (a fresh @noble/ciphers AEAD object per
// packet, key schedule and GHASH table rebuilt every time).
//
//   npm run bench:crypto [-- --quick]   (compiles this file and crypto/ only, then runs dist/bench/crypto.js)
//
// Figures are CPU time per packet, medians (and best rounds) of interleaved rounds after a
// warm-up; they are for comparing rows of one run on a shared machine, not
// absolute truths about it.
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { CIPHER_SUITES, type CipherSuiteInfo } from '../crypto/cipher-suites.js';
import type { CryptoProvider, HeaderProtector } from '../crypto/crypto-provider.js';
import { protectHeader, unprotectHeader } from '../crypto/header-protection.js';
import { createNativeHeaderProtector, loadNodeCrypto } from '../crypto/node-provider.js';
import { nodeCryptoProvider, pureCryptoProvider } from '../crypto/providers.js';

const PACKET_SIZE = 1200;
const HEADER_SIZE = 20; // a short header with an 8-byte DCID and a 4-byte packet number would be 13
const PAYLOAD_SIZE = PACKET_SIZE - HEADER_SIZE - 16;
const ROUNDS = 11;

function fill(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** CPU microseconds (user + system) spent in `fn` per call over `iterations` calls. */
function cpuMicrosPerCall(iterations: number, fn: (i: number) => void): number {
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

/**
 * Runs every case once per round, interleaved (A B C A B C ...), so that load
 * from other processes on this shared machine hits all cases alike, and
 * returns each case's median and best round. CPU time rather than wall time:
 * time spent descheduled is not a cost of the code under test. The best
 * round is the figure least disturbed by other load (caches, SMT siblings).
 */
function measureInterleaved(
  iterations: number,
  cases: ((i: number) => void)[],
): { median: number[]; best: number[] } {
  for (const fn of cases) for (let i = 0; i < Math.min(iterations, 3000); i++) fn(i); // JIT warm-up
  const samples: number[][] = cases.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach((fn, c) => {
      samples[c]!.push(cpuMicrosPerCall(iterations, fn));
    });
  }
  for (const s of samples) s.sort((a, b) => a - b);
  return {
    median: samples.map((s) => s[Math.floor(ROUNDS / 2)]!),
    best: samples.map((s) => s[0]!),
  };
}

interface AeadCase {
  impl: string;
  seal: (i: number) => void;
  open: (i: number) => void;
  keySetup?: () => void;
}

function providerCase(provider: CryptoProvider, suite: CipherSuiteInfo): AeadCase {
  const key = fill(suite.keyLength, 1);
  const iv = fill(12, 2);
  const aead = provider.createAead(suite.code, key, iv);
  const buf = new Uint8Array(PACKET_SIZE);
  buf.set(fill(HEADER_SIZE + PAYLOAD_SIZE, 3));
  const sealed = new Uint8Array(PACKET_SIZE);
  sealed.set(fill(HEADER_SIZE + PAYLOAD_SIZE, 3));
  aead.seal(42, sealed, 0, HEADER_SIZE, HEADER_SIZE + PAYLOAD_SIZE);
  const work = new Uint8Array(PACKET_SIZE);
  return {
    impl: provider.name,
    seal: (i) => {
      aead.seal(i, buf, 0, HEADER_SIZE, HEADER_SIZE + PAYLOAD_SIZE);
    },
    open: () => {
      work.set(sealed); // open decrypts in place, so each run starts from the sealed packet
      if (aead.open(42, work, 0, HEADER_SIZE, PACKET_SIZE) < 0) throw new Error('open failed');
    },
    keySetup: () => {
      provider.createAead(suite.code, key, iv);
    },
  };
}

/** The naive baseline: a fresh @noble AEAD object per packet, as a simple integration would do. */
function naiveCase(suite: CipherSuiteInfo): AeadCase {
  const key = fill(suite.keyLength, 1);
  const nonce = fill(12, 2);
  const header = fill(HEADER_SIZE, 3);
  const payload = fill(PAYLOAD_SIZE, 4);
  const make = (aad: Uint8Array) =>
    suite.aead === 'aes-gcm' ? gcm(key, nonce, aad) : chacha20poly1305(key, nonce, aad);
  const sealed = make(header).encrypt(payload);
  const fixedNonce = nonce.slice();
  return {
    impl: 'naive @noble',
    seal: (i) => {
      nonce[11] = i; // a per-packet nonce, as the real thing computes
      make(header).encrypt(payload);
    },
    open: () => {
      (suite.aead === 'aes-gcm'
        ? gcm(key, fixedNonce, header)
        : chacha20poly1305(key, fixedNonce, header)
      ).decrypt(sealed);
    },
  };
}

type NodeCryptoModule = NonNullable<ReturnType<typeof loadNodeCrypto>>;

/**
 * The floor for any provider on node:crypto: the bare call sequence one
 * packet needs (a cipher object per nonce, AAD, update, final, tag), with
 * nothing copied back into the packet. The node provider's distance from it
 * is all that the provider itself can still win.
 */
function nodeFloorCase(crypto: NodeCryptoModule, suite: CipherSuiteInfo): AeadCase {
  const algorithm = (
    suite.aead === 'aes-gcm' ? `aes-${suite.keyLength * 8}-gcm` : 'chacha20-poly1305'
  ) as 'aes-128-gcm';
  const key = crypto.createSecretKey(fill(suite.keyLength, 1));
  const nonce = fill(12, 2);
  const openNonce = fill(12, 2);
  const header = fill(HEADER_SIZE, 3);
  const payload = fill(PAYLOAD_SIZE, 4);
  const options = { authTagLength: 16 };
  const sealer = crypto.createCipheriv(algorithm, key, nonce, options);
  sealer.setAAD(header);
  const sealed = sealer.update(payload);
  sealer.final();
  const tag = sealer.getAuthTag();
  return {
    impl: 'node:crypto floor',
    seal: (i) => {
      nonce[11] = i;
      const c = crypto.createCipheriv(algorithm, key, nonce, options);
      c.setAAD(header);
      c.update(payload);
      c.final();
      c.getAuthTag();
    },
    open: () => {
      const d = crypto.createDecipheriv(algorithm, key, openNonce, options);
      d.setAAD(header);
      d.setAuthTag(tag);
      d.update(sealed);
      d.final();
    },
  };
}

interface HeaderCase {
  impl: string;
  protect: () => void;
  unprotect: () => void;
}

function headerCase(impl: string, hp: HeaderProtector): HeaderCase {
  const buf = fill(PACKET_SIZE, 6);
  buf[0] = 0x43; // short header, 4-byte packet number
  const pnOffset = 9;
  return {
    impl,
    protect: () => {
      protectHeader(hp, buf, 0, pnOffset);
    },
    unprotect: () => {
      unprotectHeader(hp, buf, 0, pnOffset);
    },
  };
}

const fmt = (x: number, digits = 2) => (Number.isNaN(x) ? '-' : x.toFixed(digits));

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log();
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const iterations = quick ? 2000 : 10000;
  const providers: CryptoProvider[] = [pureCryptoProvider];
  const nodeCrypto = loadNodeCrypto();
  const node = nodeCryptoProvider();
  if (node) providers.push(node);

  console.log(
    `Packet protection, ${PACKET_SIZE}-byte packets (${HEADER_SIZE}-byte header as AAD, ${PAYLOAD_SIZE}-byte payload, 16-byte tag)`,
  );
  console.log(
    `Node ${process.version}; CPU microseconds per packet, median (and best) of ${ROUNDS} interleaved rounds of ${iterations}; open includes a 1200-byte copy (the node:crypto floor copies nothing); x naive = naive median / median\n`,
  );
  const rows: string[][] = [];
  for (const suite of Object.values(CIPHER_SUITES)) {
    const cases = [...providers.map((p) => providerCase(p, suite))];
    if (nodeCrypto) cases.push(nodeFloorCase(nodeCrypto, suite));
    cases.push(naiveCase(suite));
    const seal = measureInterleaved(
      iterations,
      cases.map((c) => c.seal),
    );
    const open = measureInterleaved(
      iterations,
      cases.map((c) => c.open),
    );
    const setupCases = cases.filter((c) => c.keySetup);
    const setup = measureInterleaved(
      Math.max(100, iterations / 20),
      setupCases.map((c) => c.keySetup!),
    );
    const naive = cases.length - 1;
    cases.forEach((c, i) => {
      const setupIndex = setupCases.indexOf(c);
      rows.push([
        suite.name,
        c.impl,
        fmt(seal.median[i]!),
        fmt(seal.best[i]!),
        fmt(open.median[i]!),
        fmt(open.best[i]!),
        fmt(seal.median[naive]! / seal.median[i]!),
        fmt(open.median[naive]! / open.median[i]!),
        fmt(PACKET_SIZE / seal.median[i]!, 0),
        setupIndex < 0 ? '-' : fmt(setup.median[setupIndex]!),
      ]);
    });
  }
  printTable(
    [
      'suite',
      'provider',
      'seal us',
      'seal best',
      'open us',
      'open best',
      'seal x naive',
      'open x naive',
      'seal MB/s',
      'key setup us',
    ],
    rows,
  );

  console.log('Header protection, per packet: mask + apply (protect), mask + remove (unprotect)\n');
  const hpRows: string[][] = [];
  for (const suite of Object.values(CIPHER_SUITES)) {
    const key = fill(suite.keyLength, 5);
    const cases = providers.map((p) =>
      headerCase(p.name, p.createHeaderProtector(suite.code, key)),
    );
    if (nodeCrypto) {
      cases.push(
        headerCase('node:crypto native', createNativeHeaderProtector(nodeCrypto, suite.code, key)),
      );
    }
    const protect = measureInterleaved(
      iterations * 5,
      cases.map((c) => c.protect),
    );
    const unprotect = measureInterleaved(
      iterations * 5,
      cases.map((c) => c.unprotect),
    );
    cases.forEach((c, i) => {
      hpRows.push([suite.name, c.impl, fmt(protect.median[i]!, 3), fmt(unprotect.median[i]!, 3)]);
    });
  }
  printTable(['suite', 'provider', 'protect us', 'unprotect us'], hpRows);
}

main();
