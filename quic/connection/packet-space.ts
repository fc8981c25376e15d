// Per packet number space state (RFC 9000 §12.3): the keys that protect the
// space's packets, its CRYPTO stream, what we received (for ACKs), and the
// probes recovery asked for. Initial and Handshake spaces are discarded with
// their keys (RFC 9001 §4.9); Application Data lives for the connection.
import type { PacketKeys } from '../../crypto/packet-keys.js';
import type { EncryptionLevel } from '../../crypto/tls/handshake-common.js';
import { PacketType } from '../packet/packet-type.js';
import { PacketNumberSpace, ReceivedPacketTracker } from '../recovery/index.js';
import { CryptoStream } from './crypto-stream.js';

export class PacketSpace {
  crypto = new CryptoStream();
  readonly received: ReceivedPacketTracker;
  /** Initial/Handshake keys; Application Data uses OneRttKeys instead. */
  readKeys: PacketKeys | undefined;
  writeKeys: PacketKeys | undefined;
  /** Ack-eliciting probe packets recovery asked for (RFC 9002 §6.2.4). */
  probesDue = 0;
  discarded = false;

  constructor(
    readonly space: PacketNumberSpace,
    readonly level: EncryptionLevel,
    readonly packetType: PacketType,
    maxAckDelayMs: number,
  ) {
    this.received = new ReceivedPacketTracker({ space, maxAckDelay: maxAckDelayMs });
  }

  discard(): void {
    this.discarded = true;
    // Free the CRYPTO buffers: nothing more is sent or read at this level.
    this.crypto = new CryptoStream();
    this.received.discard();
    this.readKeys = undefined;
    this.writeKeys = undefined;
    this.probesDue = 0;
  }
}

export function createPacketSpaces(maxAckDelayMs: number): PacketSpace[] {
  return [
    new PacketSpace(PacketNumberSpace.Initial, 'initial', PacketType.Initial, maxAckDelayMs),
    new PacketSpace(PacketNumberSpace.Handshake, 'handshake', PacketType.Handshake, maxAckDelayMs),
    new PacketSpace(
      PacketNumberSpace.ApplicationData,
      'application',
      PacketType.OneRtt,
      maxAckDelayMs,
    ),
  ];
}

/**
 * RFC 9001 §4.9: once a space is discarded nothing in it changes again, so
 * every connection points at one shared, frozen discarded space instead of
 * keeping its own (~0.4 KiB each, for the connection's life). Frozen so that
 * a write, which would be a bug, throws inside the connection's guard
 * instead of reaching other connections.
 */
const DISCARDED = new Map<PacketNumberSpace, PacketSpace>();

export function discardedSpace(template: PacketSpace): PacketSpace {
  let shared = DISCARDED.get(template.space);
  if (shared === undefined) {
    shared = new PacketSpace(template.space, template.level, template.packetType, 0);
    shared.discard();
    deepFreeze(shared);
    DISCARDED.set(template.space, shared);
  }
  return shared;
}

function deepFreeze(value: object): void {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null && !Object.isFrozen(field)) deepFreeze(field);
  }
  Object.freeze(value);
}
