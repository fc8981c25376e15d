// The interop runner's 10 MB scenarios on the simulator: blackhole, and
// goodput with each congestion controller (>= 90% of the 10 Mbit/s link).
// Each runs for SCENARIO_SEEDS seeds (default 10).
import { describe, expect, it } from 'vitest';
import { DEFAULT_LINK, report, scenarioLifecycle, scenarioSeeds } from './scenario-harness.js';

const seeds = scenarioSeeds();
const MB = 1024 * 1024;
const scenario = scenarioLifecycle();

describe('interop runner 10 MB scenarios on the simulator', () => {
  it.each(seeds)(
    'blackhole (seed %i): down 2 s every 5 s, 10 MB',
    async (seed) => {
      const s = await scenario({ seed, link: { blackhole: { downMs: 2000, everyMs: 5000 } } });
      const r = await s.download(10 * MB, 300_000);
      const holes = s.net.trace.filter((e) => e.reason === 'blackhole').length;
      expect(holes).toBeGreaterThan(0);
      report(
        `blackhole seed ${seed}: ${r.elapsedMs.toFixed(0)} ms, ${(r.goodputBps / 1e6).toFixed(2)} Mbit/s, server lost ${r.serverPacketsLost} packets`,
      );
    },
    180_000,
  );

  for (const cc of ['cubic', 'newreno'] as const) {
    it.each(seeds)(
      `goodput ${cc} (seed %i): 10 MB on the default link, >= 90 percent of 10 Mbit/s`,
      async (seed) => {
        const s = await scenario({ seed, congestionControl: cc });
        const r = await s.download(10 * MB, 120_000);
        report(
          `goodput ${cc} seed ${seed}: ${r.elapsedMs.toFixed(0)} ms, ${(r.goodputBps / 1e6).toFixed(2)} Mbit/s, server lost ${r.serverPacketsLost} packets`,
        );
        expect(r.goodputBps).toBeGreaterThanOrEqual(0.9 * DEFAULT_LINK.bandwidthBps);
      },
      120_000,
    );
  }
});
