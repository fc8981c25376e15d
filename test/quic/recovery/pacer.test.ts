import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../quic/recovery/pacer.js';

describe('Pacer (RFC 9002 §7.7)', () => {
  it('allows an initial burst of burstPackets datagrams at once', () => {
    const pacer = new Pacer({ burstPackets: 4 });
    const rate = 12; // bytes per ms
    for (let i = 0; i < 4; i++) {
      expect(pacer.nextSendTime(0, 1200, rate)).toBe(0);
      pacer.onPacketSent(0, 1200, rate);
    }
    expect(pacer.nextSendTime(0, 1200, rate)).toBe(100);
  });

  it('spaces packets at size / rate once the bucket is empty', () => {
    const pacer = new Pacer({ burstPackets: 1 });
    const rate = (1.25 * 12_000) / 100; // 150 bytes per ms
    pacer.onPacketSent(0, 1200, rate);
    let now = 0;
    for (let i = 0; i < 5; i++) {
      const next = pacer.nextSendTime(now, 1200, rate);
      expect(next - now).toBeCloseTo(8);
      now = next;
      pacer.onPacketSent(now, 1200, rate);
    }
  });

  it('refills no more than one burst after idleness', () => {
    const pacer = new Pacer({ burstPackets: 2 });
    pacer.onPacketSent(0, 2400, 10);
    expect(pacer.nextSendTime(1_000_000, 1200, 10)).toBe(1_000_000);
    pacer.onPacketSent(1_000_000, 1200, 10);
    pacer.onPacketSent(1_000_000, 1200, 10);
    expect(pacer.nextSendTime(1_000_000, 1200, 10)).toBeCloseTo(1_000_120);
  });

  it('bounds the debt of a packet sent early (a probe) to one bucket', () => {
    const pacer = new Pacer({ burstPackets: 1 });
    for (let i = 0; i < 100; i++) pacer.onPacketSent(0, 1200, 12);
    expect(pacer.availableTokens).toBe(-1200);
    expect(pacer.nextSendTime(0, 1200, 12)).toBeCloseTo(200);
  });

  it('ignores a clock that goes backwards and a zero rate never divides by zero', () => {
    const pacer = new Pacer({ burstPackets: 1 });
    pacer.onPacketSent(100, 1200, 12);
    expect(pacer.nextSendTime(50, 1200, 12)).toBeCloseTo(150);
    expect(pacer.nextSendTime(100, 1200, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('a packet is always sendable at the time nextSendTime returned, even on a large clock', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e9, max: 1e10, noNaN: true }),
        fc.double({ min: 1e3, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 1500 }),
        (start, rate, size) => {
          const pacer = new Pacer({ burstPackets: 1 });
          pacer.onPacketSent(start, 1200, rate);
          const at = pacer.nextSendTime(start, size, rate);
          expect(pacer.nextSendTime(at, size, rate)).toBe(at);
        },
      ),
    );
  });

  it('validates options', () => {
    expect(() => new Pacer({ burstPackets: 0 })).toThrow(/burstPackets/);
    expect(() => new Pacer({ maxDatagramSize: 100 })).toThrow(/maxDatagramSize/);
  });

  it('never lets more than burst + rate * elapsed bytes out (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 0.5, max: 1000, noNaN: true }),
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 50, noNaN: true }), fc.integer({ min: 1, max: 1500 })),
          {
            maxLength: 200,
          },
        ),
        (burst, rate, steps) => {
          const pacer = new Pacer({ burstPackets: burst });
          let now = 0;
          let sent = 0;
          for (const [wait, size] of steps) {
            now = Math.max(now + wait, pacer.nextSendTime(now + wait, size, rate));
            pacer.onPacketSent(now, size, rate);
            sent += size;
            expect(sent).toBeLessThanOrEqual(burst * 1200 + rate * now + 1500 + 1e-6);
          }
        },
      ),
    );
  });
});

describe('Pacer bursts sized to the timer (burstIntervalMs)', () => {
  it('keeps the fixed burst at low rates and grows it with the rate, up to a cap', () => {
    const pacer = new Pacer({ burstIntervalMs: 2 });
    expect(pacer.capacityAt(1_000)).toBe(pacer.capacity); // 2 KB in 2 ms < 10 packets
    expect(pacer.capacityAt(20_000)).toBe(40_000); // 20 MB/s: 2 ms worth
    expect(pacer.capacityAt(1e9)).toBe(64 * 1200); // capped
  });

  it('lets a fast sender send more than 10 packets per 1 ms timer tick', () => {
    const rate = 20_000; // bytes per ms
    const sendable = (pacer: Pacer) => {
      let now = 0;
      let sent = 0;
      for (let tick = 0; tick < 100; tick++, now += 1) {
        while (pacer.nextSendTime(now, 1200, rate) <= now) {
          pacer.onPacketSent(now, 1200, rate);
          sent++;
        }
      }
      return sent;
    };
    // Woken once per 1 ms tick: the fixed 10-packet bucket caps the sender
    // at 12 KB per tick (12 MB/s); the sized bucket keeps up with the rate.
    const fixed = sendable(new Pacer());
    const sized = sendable(new Pacer({ burstIntervalMs: 2 }));
    expect(fixed * 1200).toBeLessThan(rate * 100 * 0.7);
    expect(sized * 1200).toBeGreaterThanOrEqual(rate * 99);
  });

  it('rejects a negative interval', () => {
    expect(() => new Pacer({ burstIntervalMs: -1 })).toThrow(TypeError);
  });
});
