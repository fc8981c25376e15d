// Stateless reset (RFC 9000 §10.3): tokens derived from one static key per
// endpoint, and the reset packet built for a datagram we cannot route.
//
//   const resets = new StatelessResets(random(32))
//   resets.tokenFor(cid)                          -> 16 bytes, same for the same cid
//   resets.buildReset(cid, triggerLength, random) -> datagram | undefined
import { hmacKey, type MacKey } from '../../crypto/hkdf.js';

export const RESET_TOKEN_LENGTH = 16;
/** RFC 9000 §10.3: 5 unpredictable bytes (38 bits plus the two header bits) and the token. */
export const MIN_RESET_LENGTH = 21;
/** RFC 9000 §10.3: resets to packets of 43 bytes or less are one byte shorter. */
const RESET_SHORTER_UNTIL = 43;

export class StatelessResets {
  private readonly key: MacKey;

  constructor(key: Uint8Array) {
    if (key.length < 16) throw new TypeError(`stateless reset key length ${key.length} < 16`);
    this.key = hmacKey('sha256', key);
  }

  /**
   * RFC 9000 §10.3.2: a single static key can be used across all
   * connections; the token is a keyed function of the connection ID, so a
   * reset can be built without any connection state.
   */
  tokenFor(cid: Uint8Array): Uint8Array {
    // HMAC-SHA256 keyed once per endpoint (about four tokens per connection).
    return this.key.mac([cid]).slice(0, RESET_TOKEN_LENGTH);
  }

  /**
   * The reset for a datagram of `triggerLength` bytes sent to `cid`, or
   * undefined when none may be sent.
   */
  buildReset(
    cid: Uint8Array,
    triggerLength: number,
    random: (n: number) => Uint8Array,
  ): Uint8Array | undefined {
    // RFC 9000 §10.3.3: An endpoint MUST ensure that every Stateless Reset
    // that it sends is smaller than the packet that triggered it. With the
    // 21-byte minimum, a trigger under 22 bytes gets no reply at all.
    const length = Math.min(triggerLength - 1, RESET_SHORTER_UNTIL);
    if (length < MIN_RESET_LENGTH) return undefined;
    const packet = random(length);
    // RFC 9000 §10.3: formatted as a short header: 0b01 then unpredictable bits.
    packet[0] = 0x40 | (packet[0]! & 0x3f);
    packet.set(this.tokenFor(cid), length - RESET_TOKEN_LENGTH);
    return packet;
  }
}
