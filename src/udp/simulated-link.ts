// One direction of a simulated link: what happens to a datagram between
// sender and receiver. Impairments are applied in a fixed order so a seed
// gives one outcome: down/blackhole, MTU, user filter, random loss (with a
// cap on consecutive losses), the drop-tail queue in front of the
// bandwidth bottleneck, corruption, reordering delay, duplication.

import type { SeededRandom } from './seeded-random.js';

export interface SimulatedPacket {
  /** Network-wide sequence number, as in the trace. */
  readonly id: number;
  readonly fromAddress: string;
  readonly fromPort: number;
  readonly toAddress: string;
  readonly toPort: number;
  readonly data: Uint8Array;
}

export interface LinkOptions {
  /** One-way propagation delay. Default 0. */
  delayMs?: number;
  /** Bottleneck rate in bits per second (payload bytes only). Default Infinity: no queueing. */
  bandwidthBps?: number;
  /** Drop-tail queue: packets that may wait behind the one being sent. Default Infinity. */
  queuePackets?: number;
  /** Probability that a packet is lost. Default 0. */
  loss?: number;
  /** After this many random losses in a row the next packet is spared. Default Infinity. */
  maxConsecutiveLosses?: number;
  /** Probability that a packet is delivered twice. Default 0. */
  duplicate?: number;
  /** Probability that a packet is held back by `reorderDelayMs`, letting later ones overtake it. */
  reorder?: number;
  /** Extra delay of a reordered packet. Default max(1, delayMs). */
  reorderDelayMs?: number;
  /** Probability `rate` of changing one random byte among the first `firstBytes` (default all). */
  corrupt?: { rate: number; firstBytes?: number };
  /** From `startMs` (default 0), repeatedly: up for everyMs - downMs, then down for downMs. */
  blackhole?: { downMs: number; everyMs: number; startMs?: number };
  /** Largest payload carried; larger packets are dropped ('too-big'). Default Infinity. */
  mtu?: number;
  /** The link is cut: every packet is dropped ('down'). */
  down?: boolean;
  /** Called for each packet entering the link; returning false drops it ('filtered'). */
  filter?: (packet: SimulatedPacket) => boolean;
}

export type DropReason =
  | 'down'
  | 'blackhole'
  | 'too-big'
  | 'filtered'
  | 'loss'
  | 'queue-full'
  | 'no-route'
  | 'port-unreachable';

export type LinkOutcome =
  | { dropped: DropReason }
  | {
      dropped?: undefined;
      /** Arrival time of each copy (two when duplicated). */
      arrivals: number[];
      reordered: boolean;
      /** Index of the changed byte, when corrupted. */
      corruptedIndex: number | undefined;
      data: Uint8Array;
    };

function checkNumber(name: string, value: number | undefined, min: number, max = Infinity) {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new TypeError(`link option ${name} must be a number from ${min} to ${max}, got ${value}`);
  }
}

export function validateLinkOptions(options: LinkOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`link options must be an object, got ${options}`);
  }
  checkNumber('delayMs', options.delayMs, 0);
  checkNumber('bandwidthBps', options.bandwidthBps, Number.MIN_VALUE);
  checkNumber('queuePackets', options.queuePackets, 0);
  checkNumber('loss', options.loss, 0, 1);
  checkNumber('maxConsecutiveLosses', options.maxConsecutiveLosses, 0);
  checkNumber('duplicate', options.duplicate, 0, 1);
  checkNumber('reorder', options.reorder, 0, 1);
  checkNumber('reorderDelayMs', options.reorderDelayMs, 0);
  checkNumber('mtu', options.mtu, 0);
  if (options.corrupt !== undefined) {
    checkNumber('corrupt.rate', options.corrupt.rate, 0, 1);
    checkNumber('corrupt.firstBytes', options.corrupt.firstBytes, 1);
  }
  if (options.blackhole !== undefined) {
    const { downMs, everyMs, startMs } = options.blackhole;
    checkNumber('blackhole.everyMs', everyMs, Number.MIN_VALUE);
    checkNumber('blackhole.downMs', downMs, 0, everyMs);
    checkNumber('blackhole.startMs', startMs, 0);
  }
  if (options.filter !== undefined && typeof options.filter !== 'function') {
    throw new TypeError(`link option filter must be a function, got ${options.filter}`);
  }
}

export class SimulatedLink {
  #options: LinkOptions;
  #random: SeededRandom;
  #consecutiveLosses = 0;
  /** Finish times of packets in the bottleneck (being sent or queued), oldest first. */
  #inQueue: number[] = [];

  constructor(options: LinkOptions, random: SeededRandom) {
    validateLinkOptions(options);
    this.#options = { ...options };
    this.#random = random;
  }

  get options(): Readonly<LinkOptions> {
    return this.#options;
  }

  /** Changes some impairments from now on; the others keep their values. */
  update(options: LinkOptions): void {
    const merged = { ...this.#options, ...options };
    validateLinkOptions(merged);
    this.#options = merged;
  }

  /** Whether the link is in a blackhole period at `now`. */
  isBlackholed(now: number): boolean {
    const hole = this.#options.blackhole;
    if (hole === undefined || hole.downMs === 0) return false;
    const start = hole.startMs ?? 0;
    if (now < start) return false;
    return (now - start) % hole.everyMs >= hole.everyMs - hole.downMs;
  }

  /** Decides the fate of one packet entering the link at `now`. */
  carry(packet: SimulatedPacket, now: number): LinkOutcome {
    const o = this.#options;
    if (o.down) return { dropped: 'down' };
    if (this.isBlackholed(now)) return { dropped: 'blackhole' };
    if (packet.data.length > (o.mtu ?? Infinity)) return { dropped: 'too-big' };
    if (o.filter !== undefined && !o.filter(packet)) return { dropped: 'filtered' };
    if (this.#lost()) return { dropped: 'loss' };
    const departure = this.#enqueue(packet.data.length, now);
    if (departure === undefined) return { dropped: 'queue-full' };
    const { data, index } = this.#maybeCorrupt(packet.data);
    const delay = o.delayMs ?? 0;
    const reordered = (o.reorder ?? 0) > 0 && this.#random.next() < o.reorder!;
    const extra = reordered ? (o.reorderDelayMs ?? Math.max(1, delay)) : 0;
    const arrival = departure + delay + extra;
    const duplicated = (o.duplicate ?? 0) > 0 && this.#random.next() < o.duplicate!;
    return {
      arrivals: duplicated ? [arrival, arrival] : [arrival],
      reordered,
      corruptedIndex: index,
      data,
    };
  }

  #lost(): boolean {
    const loss = this.#options.loss ?? 0;
    if (loss <= 0) return false;
    const roll = this.#random.next();
    if (roll < loss && this.#consecutiveLosses < (this.#options.maxConsecutiveLosses ?? Infinity)) {
      this.#consecutiveLosses++;
      return true;
    }
    this.#consecutiveLosses = 0;
    return false;
  }

  /** When the packet leaves the bottleneck, or undefined when the queue is full (drop-tail). */
  #enqueue(bytes: number, now: number): number | undefined {
    const bandwidth = this.#options.bandwidthBps ?? Infinity;
    if (bandwidth === Infinity) return now;
    while (this.#inQueue.length > 0 && this.#inQueue[0]! <= now) this.#inQueue.shift();
    // One packet is on the wire, the rest wait; the queue bounds the waiting ones.
    const waiting = Math.max(0, this.#inQueue.length - 1);
    if (this.#inQueue.length > 0 && waiting >= (this.#options.queuePackets ?? Infinity)) {
      return undefined;
    }
    const start = Math.max(now, this.#inQueue.at(-1) ?? now);
    const finish = start + (bytes * 8 * 1000) / bandwidth;
    this.#inQueue.push(finish);
    return finish;
  }

  #maybeCorrupt(data: Uint8Array): { data: Uint8Array; index: number | undefined } {
    const corrupt = this.#options.corrupt;
    if (corrupt === undefined || corrupt.rate <= 0 || data.length === 0) {
      return { data, index: undefined };
    }
    if (this.#random.next() >= corrupt.rate) return { data, index: undefined };
    const span = Math.min(data.length, corrupt.firstBytes ?? data.length);
    const index = this.#random.nextInt(span);
    const changed = data.slice();
    // XOR with a non-zero value so the byte really changes.
    changed[index] = changed[index]! ^ (1 + this.#random.nextInt(255));
    return { data: changed, index };
  }
}
