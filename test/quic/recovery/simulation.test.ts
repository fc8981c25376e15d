// Sender recovery and receiver ACK generation together over a lossy,
// delayed path on a virtual clock: every piece of data is eventually
// acknowledged, honest ACKs never trip the skipped-packet-number check, and
// bytes in flight returns to zero.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LossRecovery } from '../../../quic/recovery/loss-recovery.js';
import { PacketNumberSpace } from '../../../quic/recovery/packet-number-space.js';
import {
  type AckDescription,
  ReceivedPacketTracker,
} from '../../../quic/recovery/received-packets.js';

const APP = PacketNumberSpace.ApplicationData;
const SIZE = 1200;
const PING = -1;

interface PathEvent {
  time: number;
  order: number;
  packet?: number;
  ack?: AckDescription;
}

interface Scenario {
  dataPackets: number;
  oneWayDelay: number;
  drops: boolean[];
  lossyUntil: number;
  algorithm: 'cubic' | 'newreno';
  seed: number;
}

function simulate(s: Scenario) {
  let seed = s.seed;
  const random = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      out[i] = seed >>> 24;
    }
    return out;
  };
  const sender = new LossRecovery<number>({
    isServer: true,
    congestionControl: s.algorithm,
    random,
    initialRtt: 100,
  });
  sender.setHandshakeConfirmed(0);
  const receiver = new ReceivedPacketTracker({ space: APP, maxAckDelay: 25 });
  const queue: number[] = [];
  for (let i = 0; i < s.dataPackets; i++) queue.push(i);
  const acknowledged = new Set<number>();
  const events: PathEvent[] = [];
  let order = 0;
  let transmissions = 0;
  let now = 0;

  const dropped = (time: number) =>
    time < s.lossyUntil && s.drops.length > 0 && s.drops[transmissions++ % s.drops.length]!;
  const transmit = (payload: number) => {
    const packetNumber = sender.nextPacketNumber(APP);
    sender.onPacketSent(now, {
      space: APP,
      packetNumber,
      size: SIZE,
      ackEliciting: true,
      inFlight: true,
      payload,
    });
    if (!dropped(now))
      events.push({ time: now + s.oneWayDelay, order: order++, packet: packetNumber });
  };
  const requeue = (payloads: number[]) => {
    for (const p of payloads) if (p !== PING && !acknowledged.has(p)) queue.push(p);
  };

  for (let step = 0; step < 200_000; step++) {
    // Send what the window and the pacer allow.
    while (queue.length > 0 && sender.canSend(SIZE) && sender.nextSendTime(now, SIZE) <= now) {
      transmit(queue.shift()!);
    }
    if (acknowledged.size === s.dataPackets && sender.bytesInFlight === 0) {
      return { sender, receiver, acknowledged, now, done: true };
    }
    // Advance to the next thing that happens.
    let next = Number.POSITIVE_INFINITY;
    events.sort((a, b) => a.time - b.time || a.order - b.order);
    if (events.length > 0) next = events[0]!.time;
    if (sender.lossDetectionTimer !== undefined) next = Math.min(next, sender.lossDetectionTimer);
    if (receiver.ackDeadline !== undefined) next = Math.min(next, receiver.ackDeadline);
    if (queue.length > 0 && sender.canSend(SIZE))
      next = Math.min(next, sender.nextSendTime(now, SIZE));
    if (!Number.isFinite(next)) break;
    now = Math.max(now, next);

    while (events.length > 0 && events[0]!.time <= now) {
      const event = events.shift()!;
      if (event.packet !== undefined) {
        if (!receiver.isDuplicate(event.packet)) receiver.onPacketReceived(now, event.packet, true);
      } else if (event.ack !== undefined) {
        const outcome = sender.onAckReceived(now, APP, {
          ranges: event.ack.ranges,
          ackDelay: event.ack.ackDelayMicros / 1000,
        });
        for (const p of outcome.acked) if (p.payload !== PING) acknowledged.add(p.payload);
        requeue(outcome.lost.map((p) => p.payload));
        // The sender's next packets acknowledge the ACK (modelled as instant).
        receiver.onAckOfAck(event.ack.largest);
      }
    }
    if (receiver.ackDue(now)) {
      const ack = receiver.buildAck(now);
      receiver.onAckSent();
      if (ack !== undefined && !dropped(now)) {
        events.push({ time: now + s.oneWayDelay, order: order++, ack });
      }
    }
    const timer = sender.lossDetectionTimer;
    if (timer !== undefined && timer <= now) {
      const fired = sender.onLossDetectionTimeout(now);
      if (fired.kind === 'loss') requeue(fired.lost.map((p) => p.payload));
      // RFC 9002 §7.5: probes are not blocked by the congestion controller.
      if (fired.kind === 'probe') transmit(queue.shift() ?? PING);
    }
  }
  return { sender, receiver, acknowledged, now, done: false };
}

describe('recovery over a simulated lossy path', () => {
  it('delivers everything on a clean path in a few round trips of slow start', () => {
    const r = simulate({
      dataPackets: 100,
      oneWayDelay: 20,
      drops: [],
      lossyUntil: 0,
      algorithm: 'cubic',
      seed: 1,
    });
    expect(r.done).toBe(true);
    expect(r.sender.stats.packetsLost).toBe(0);
    expect(r.sender.rtt.minRtt).toBeGreaterThan(39.99);
    expect(r.sender.congestion.window).toBeGreaterThan(4 * 12_000);
  });

  it('recovers every loss pattern: all data acknowledged, no false PROTOCOL_VIOLATION', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.boolean(), { maxLength: 20 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.constantFrom('cubic' as const, 'newreno' as const),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dataPackets, oneWayDelay, drops, lossyUntil, algorithm, seed) => {
          const r = simulate({ dataPackets, oneWayDelay, drops, lossyUntil, algorithm, seed });
          expect(r.done).toBe(true);
          expect(r.acknowledged.size).toBe(dataPackets);
          expect(r.sender.bytesInFlight).toBe(0);
          expect(r.sender.congestion.window).toBeGreaterThanOrEqual(2 * SIZE);
        },
      ),
      { numRuns: 150 },
    );
  });
});
