// 1-RTT packet keys and key update (RFC 9001 §6). The Key Phase bit of a
// short header says which generation protected a packet. We keep the
// current read and write keys, the next read keys (derived ahead, so a key
// update costs no derivation on the packet path when it happens), and the
// previous read keys for packets reordered across an update.
import { nextGenerationKeys, type PacketKeys } from '../../crypto/packet-keys.js';

export class OneRttKeys {
  /** The key phase bit we send and expect: flips on each update. */
  keyPhase = 0;
  read: PacketKeys;
  write: PacketKeys;
  private nextRead: PacketKeys | undefined;
  private previousRead: PacketKeys | undefined;
  /** Lowest packet number received under the current read keys. */
  private firstPnInPhase: number | undefined;
  /** Updates so far (stats and tests). */
  updates = 0;

  constructor(read: PacketKeys, write: PacketKeys) {
    this.read = read;
    this.write = write;
  }

  /**
   * The keys to try for a packet with `keyPhaseBit` and (decoded) packet
   * number `pn`. `isNext` says that success means the peer updated keys.
   */
  keysFor(keyPhaseBit: number, pn: number): { keys: PacketKeys; isNext: boolean } | undefined {
    if (keyPhaseBit === this.keyPhase) return { keys: this.read, isNext: false };
    // RFC 9001 §6.5: a packet with the old phase and a lower packet number
    // than any packet of the current phase was protected with the previous keys.
    if (this.previousRead && this.firstPnInPhase !== undefined && pn < this.firstPnInPhase) {
      return { keys: this.previousRead, isNext: false };
    }
    this.nextRead ??= nextGenerationKeys(this.read);
    return { keys: this.nextRead, isNext: true };
  }

  /** A packet authenticated under the current (or new) keys. */
  onPacketOpened(pn: number, wasNext: boolean): void {
    if (wasNext) {
      // RFC 9001 §6.2: an endpoint that detects a key update from its peer
      // MUST update its send keys to the new key phase too.
      this.previousRead = this.read;
      this.read = this.nextRead!;
      this.nextRead = undefined;
      this.write = nextGenerationKeys(this.write);
      this.keyPhase ^= 1;
      this.firstPnInPhase = pn;
      this.updates++;
      return;
    }
    if (this.firstPnInPhase === undefined || pn < this.firstPnInPhase) this.firstPnInPhase = pn;
  }

  /** RFC 9001 §6.5: previous read keys are dropped some time (3 PTO) after an update. */
  discardPrevious(): void {
    this.previousRead = undefined;
  }

  get hasPrevious(): boolean {
    return this.previousRead !== undefined;
  }
}
