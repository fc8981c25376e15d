// The public QUIC interop runner's network scenarios, reproduced on the
// deterministic simulator (see scenario-harness.ts for the default link):
// the handshake, loss, corruption, long-RTT and amplification ones; the 10 MB
// ones are in bulk-scenarios.test.ts (a second file, so vitest runs the two
// in parallel). Each runs for SCENARIO_SEEDS seeds (default 10). Figures
// (virtual time, goodput) are written to the console so a run reports them.
import { describe, expect, it } from 'vitest';
import { PacketType } from '../../quic/packet/packet-type.js';
import {
  largeCertificate,
  report,
  type Scenario,
  scenarioLifecycle,
  scenarioSeeds,
} from './scenario-harness.js';

const seeds = scenarioSeeds();
const KB = 1024;
const MB = 1024 * 1024;
const scenario = scenarioLifecycle();

/**
 * 50 connections in a row, each downloading 1 KB. Each must finish within
 * 30 virtual seconds (a common idle timeout: a peer would give up on a
 * slower handshake), which only early retransmission (RFC 9002 §6.2.3) and
 * data in both probe datagrams keep true at 30% loss.
 */
async function fiftyHandshakes(s: Scenario): Promise<{ totalMs: number; worstMs: number }> {
  const started = s.net.now();
  let worstMs = 0;
  for (let i = 0; i < 50; i++) {
    const before = s.net.now();
    await s.download(KB, 120_000);
    worstMs = Math.max(worstMs, s.net.now() - before);
  }
  expect(worstMs).toBeLessThan(30_000);
  return { totalMs: s.net.now() - started, worstMs };
}

const CORRUPT_FIRST_BYTES = 50;

describe('interop runner scenarios on the simulator', () => {
  it.each(seeds)(
    'handshakeloss (seed %i): 30 percent loss each way, burst cap 3, 50 connections',
    async (seed) => {
      const s = await scenario({ seed, link: { loss: 0.3, maxConsecutiveLosses: 3 } });
      const { totalMs, worstMs } = await fiftyHandshakes(s);
      report(
        `handshakeloss seed ${seed}: 50 connections in ${totalMs.toFixed(0)} virtual ms, slowest ${worstMs.toFixed(0)} ms`,
      );
    },
    120_000,
  );

  it.each(seeds)(
    'transferloss (seed %i): 2 percent loss each way, burst cap 3, 2 MB',
    async (seed) => {
      const s = await scenario({ seed, link: { loss: 0.02, maxConsecutiveLosses: 3 } });
      const r = await s.download(2 * MB, 120_000);
      expect(r.serverPacketsLost).toBeGreaterThan(0);
      report(
        `transferloss seed ${seed}: ${r.elapsedMs.toFixed(0)} ms, ${(r.goodputBps / 1e6).toFixed(2)} Mbit/s, server lost ${r.serverPacketsLost} packets`,
      );
    },
    120_000,
  );

  it.each(seeds)(
    'handshakecorruption (seed %i): 30 percent corrupted each way, 50 connections',
    async (seed) => {
      const s = await scenario({
        seed,
        link: { corrupt: { rate: 0.3, firstBytes: CORRUPT_FIRST_BYTES } },
      });
      const { totalMs, worstMs } = await fiftyHandshakes(s);
      const corrupted = s.net.trace.filter((e) => e.event === 'corrupted').length;
      expect(corrupted).toBeGreaterThan(0);
      report(
        `handshakecorruption seed ${seed}: 50 connections in ${totalMs.toFixed(0)} virtual ms, slowest ${worstMs.toFixed(0)} ms`,
      );
    },
    120_000,
  );

  it.each(seeds)(
    'transfercorruption (seed %i): 2 percent corrupted each way, 2 MB',
    async (seed) => {
      const s = await scenario({
        seed,
        link: { corrupt: { rate: 0.02, firstBytes: CORRUPT_FIRST_BYTES } },
      });
      const r = await s.download(2 * MB, 120_000);
      report(
        `transfercorruption seed ${seed}: ${r.elapsedMs.toFixed(0)} ms, ${(r.goodputBps / 1e6).toFixed(2)} Mbit/s, server lost ${r.serverPacketsLost} packets`,
      );
    },
    120_000,
  );

  it.each(seeds)(
    'longrtt (seed %i): 750 ms one-way, the client retransmits its Initial',
    async (seed) => {
      const s = await scenario({ seed, link: { delayMs: 750 } });
      const r = await s.download(KB, 60_000);
      const firstServerArrival = s.toClientSeen[0]!.timeMs + 750;
      const initialsBeforeReply = s.toServerSeen.filter(
        (d) => d.timeMs < firstServerArrival && d.packetTypes.includes(PacketType.Initial),
      ).length;
      // RFC 9002 §6.2.1: the PTO (from kInitialRtt = 333 ms) fires before the 1.5 s RTT ends.
      expect(initialsBeforeReply).toBeGreaterThanOrEqual(2);
      report(`longrtt seed ${seed}: 1 KB in ${r.elapsedMs.toFixed(0)} ms after the handshake`);
    },
    60_000,
  );

  it.each(seeds)(
    'amplificationlimit (seed %i): 3x before address validation',
    async (seed) => {
      const certificate = largeCertificate(7500);
      expect(certificate.chain[0]!.length).toBeGreaterThan(7500);
      let clientDatagrams = 0;
      // As the runner: the client's datagrams 2 to 7 (its retransmissions) are dropped.
      const s = await scenario({
        seed,
        server: { certificate },
        toServer: {
          filter: () => {
            clientDatagrams++;
            return clientDatagrams < 2 || clientDatagrams > 7;
          },
        },
      });
      await s.download(5 * KB, 60_000);
      checkAmplificationLimit(s);
    },
    60_000,
  );
});

/**
 * RFC 9000 §8.1: Prior to validating the client address, servers MUST NOT
 * send more than three times as many bytes as the number of bytes received.
 * The address is validated when a Handshake packet from the client arrives.
 */
function checkAmplificationLimit(s: Scenario): void {
  const deliveredToServer = new Map<number, number>(); // packet id -> time
  for (const e of s.net.trace) {
    if (e.event === 'delivered' && e.to.startsWith('10.0.0.2:'))
      deliveredToServer.set(e.packet, e.timeMs);
  }
  const arrivals = s.toServerSeen
    .filter((d) => deliveredToServer.has(d.id))
    .map((d) => ({ ...d, at: deliveredToServer.get(d.id)! }))
    .sort((a, b) => a.at - b.at);
  const validating = arrivals.find((d) => d.packetTypes.includes(PacketType.Handshake));
  expect(validating).toBeDefined();
  let sent = 0;
  let checked = 0;
  for (const d of s.toClientSeen) {
    if (d.timeMs >= validating!.at) break;
    sent += d.bytes;
    const received = arrivals.filter((a) => a.at <= d.timeMs).reduce((n, a) => n + a.bytes, 0);
    expect(sent, `server sent ${sent} bytes at ${d.timeMs} ms`).toBeLessThanOrEqual(3 * received);
    checked++;
  }
  // The chain is bigger than 3 x 1200 bytes, so the server had to stop and wait.
  expect(sent).toBeGreaterThan(3000);
  expect(checked).toBeGreaterThan(1);
}
