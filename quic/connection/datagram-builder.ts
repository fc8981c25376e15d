// Builds one UDP datagram of coalesced QUIC packets (RFC 9000 §12.2) in
// place: header, frames, then AEAD sealing and header protection, without
// copying the payload. The last packet stays unsealed until the datagram is
// finished, so it can still be padded: a client MUST expand datagrams
// carrying Initial packets to at least 1200 bytes (RFC 9000 §14.1), and
// every packet must be long enough for the header-protection sample
// (RFC 9001 §5.4.2).
import { AEAD_TAG_LENGTH } from '../../crypto/crypto-provider.js';
import { protectHeader } from '../../crypto/header-protection.js';
import type { PacketKeys } from '../../crypto/packet-keys.js';
import { varintLength } from '../coding/varint.js';
import { BufferWriter } from '../coding/writer.js';
import {
  fillLongHeaderLength,
  type WrittenHeader,
  writeLongHeader,
  writeShortHeader,
} from '../packet/header-writer.js';
import { PacketType } from '../packet/packet-type.js';

export interface PacketHeaderPlan {
  type: PacketType;
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Initial packets only. */
  token?: Uint8Array;
  packetNumber: number;
  pnLength: 1 | 2 | 3 | 4;
  keys: PacketKeys;
  /** Short header only: RFC 9001 §6 Key Phase bit. */
  keyPhase?: number;
}

interface OpenPacket {
  type: PacketType;
  header: WrittenHeader;
  pnLength: number;
  packetNumber: number;
  keys: PacketKeys;
}

/** RFC 9001 §5.4.2: the sample needs 4 bytes after the start of the packet number plus 16. */
const MIN_PN_AND_PAYLOAD = 4;

export class DatagramBuilder {
  readonly writer: BufferWriter;
  private open: OpenPacket | undefined;
  private payloadStart = 0;
  /** Packet types in this datagram, as a bit set over PacketType. */
  private types = 0;
  /** Sizes of the packets sealed so far, in order (for recovery's bytes in flight). */
  readonly packetSizes: number[] = [];

  constructor(
    buffer: Uint8Array,
    private readonly maxSize: number,
  ) {
    this.writer = new BufferWriter(buffer.subarray(0, maxSize));
  }

  get size(): number {
    return this.writer.offset + (this.open ? AEAD_TAG_LENGTH : 0);
  }

  get isEmpty(): boolean {
    return this.writer.offset === 0;
  }

  contains(type: PacketType): boolean {
    return (this.types & (1 << type)) !== 0;
  }

  /** Bytes a new packet of this header could still carry as frames (0 if none). */
  roomForPacket(plan: PacketHeaderPlan): number {
    const used = this.size + headerLength(plan) + AEAD_TAG_LENGTH;
    return Math.max(0, this.maxSize - used);
  }

  /** Frame bytes the open packet can still take. */
  get remaining(): number {
    return Math.max(0, this.maxSize - this.writer.offset - AEAD_TAG_LENGTH);
  }

  /** Bytes of frames written into the open packet. */
  get payloadLength(): number {
    return this.open ? this.writer.offset - this.payloadStart : 0;
  }

  /** Seals any open packet and writes the header of a new one. */
  startPacket(plan: PacketHeaderPlan): void {
    this.sealOpen();
    const header =
      plan.type === PacketType.OneRtt
        ? writeShortHeader(this.writer, {
            dcid: plan.dcid,
            packetNumber: plan.packetNumber,
            pnLength: plan.pnLength,
            keyPhase: plan.keyPhase === 1,
          })
        : writeLongHeader(this.writer, {
            packetType: plan.type,
            version: plan.version,
            dcid: plan.dcid,
            scid: plan.scid,
            token: plan.type === PacketType.Initial ? plan.token : undefined,
            packetNumber: plan.packetNumber,
            pnLength: plan.pnLength,
          });
    this.payloadStart = this.writer.offset;
    this.open = {
      type: plan.type,
      header,
      pnLength: plan.pnLength,
      packetNumber: plan.packetNumber,
      keys: plan.keys,
    };
    this.types |= 1 << plan.type;
  }

  /** Drops the open packet (it turned out to have nothing to carry). */
  abandonPacket(): void {
    if (!this.open) return;
    this.writer.offset = this.open.header.start;
    this.types &= ~(1 << this.open.type);
    this.open = undefined;
  }

  /** Adds PADDING to the open packet so the datagram is at least `size` bytes. */
  padDatagramTo(size: number): void {
    if (!this.open) return;
    const target = Math.min(size, this.maxSize);
    const missing = target - this.size;
    if (missing > 0) this.writer.writeZeros(missing);
  }

  /** Seals the open packet and returns the datagram (a view of the buffer). */
  finish(): Uint8Array {
    this.sealOpen();
    return this.writer.bytes();
  }

  private sealOpen(): void {
    const packet = this.open;
    if (!packet) return;
    this.open = undefined;
    const w = this.writer;
    // RFC 9001 §5.4.2: pad so the sample is inside the packet.
    const short = packet.pnLength + (w.offset - this.payloadStart);
    if (short < MIN_PN_AND_PAYLOAD) w.writeZeros(MIN_PN_AND_PAYLOAD - short);
    const payloadEnd = w.offset;
    const { header } = packet;
    // RFC 9000 §17.2: Length covers the packet number and the payload (with the tag).
    if (header.lengthOffset >= 0) fillLongHeaderLength(w, header, payloadEnd + AEAD_TAG_LENGTH);
    const end = packet.keys.aead.seal(
      packet.packetNumber,
      w.buffer,
      header.start,
      this.payloadStart,
      payloadEnd,
    );
    w.offset = end;
    this.packetSizes.push(end - header.start);
    protectHeader(packet.keys.headerProtection, w.buffer, header.start, header.pnOffset, end);
  }
}

/** Header bytes of a packet with this plan (Length field counted as 2 bytes). */
export function headerLength(plan: PacketHeaderPlan): number {
  if (plan.type === PacketType.OneRtt) return 1 + plan.dcid.length + plan.pnLength;
  let n = 1 + 4 + 1 + plan.dcid.length + 1 + plan.scid.length + 2 + plan.pnLength;
  if (plan.type === PacketType.Initial) {
    const tokenLength = plan.token?.length ?? 0;
    n += varintLength(tokenLength) + tokenLength;
  }
  return n;
}
