// The connection IDs the peer issued to us: we put one of them in the
// Destination Connection ID of every packet we send, and retire the ones the
// peer asks us to stop using.
//
// Memory is bounded: at most our active_connection_id_limit active CIDs and
// at most twice that many retirements waiting to be sent or acknowledged
// (RFC 9000 §5.1.2).

import { equalBytes } from '../../crypto/bytes.js';
import { TransportError, TransportErrorCode } from '../errors.js';
import { packConnectionId } from './packed-connection-id.js';

export interface PeerConnectionId {
  readonly sequence: number;
  readonly cid: Uint8Array;
  readonly resetToken: Uint8Array | undefined;
}

const NEW_CONNECTION_ID = 0x18;

export class PeerConnectionIds {
  private readonly active = new Map<number, PeerConnectionId>();
  private currentSequence = 0;
  private largestRetirePriorTo = 0;
  /** Sequence numbers to send in RETIRE_CONNECTION_ID frames. */
  private readonly retireQueue: number[] = [];
  /** Retirements sent and not yet acknowledged (a few at most: an array costs less than a Set). */
  private readonly retireInFlight: number[] = [];

  /**
   * @param initial the CID the peer chose (the server's SCID, sequence 0), or
   *   for a client before the handshake the DCID it picked itself.
   * @param localLimit the active_connection_id_limit we advertised.
   */
  constructor(
    initial: Uint8Array,
    private readonly localLimit: number,
  ) {
    this.active.set(0, { sequence: 0, cid: initial, resetToken: undefined });
  }

  /** The CID to put in outgoing packets. */
  get current(): PeerConnectionId {
    return this.active.get(this.currentSequence)!;
  }

  /** The client learns the server's chosen CID from its first Initial (sequence 0). */
  replaceInitial(cid: Uint8Array): void {
    this.active.set(0, { sequence: 0, cid, resetToken: this.active.get(0)?.resetToken });
  }

  /** The stateless_reset_token transport parameter belongs to sequence 0 (RFC 9000 §18.2). */
  setInitialResetToken(token: Uint8Array): void {
    const initial = this.active.get(0);
    if (initial) this.active.set(0, { ...initial, resetToken: token });
  }

  /** Reset tokens of the active CIDs, to recognise a stateless reset (RFC 9000 §10.3.1). */
  resetTokens(): Uint8Array[] {
    const tokens: Uint8Array[] = [];
    for (const id of this.active.values()) if (id.resetToken) tokens.push(id.resetToken);
    return tokens;
  }

  /** Handle a NEW_CONNECTION_ID frame. `usingZeroLength`: our peer's CIDs are empty. */
  onNewConnectionId(
    sequence: number,
    retirePriorTo: number,
    cid: Uint8Array,
    resetToken: Uint8Array,
  ): void {
    // RFC 9000 §19.15: an endpoint sending to a zero-length DCID MUST treat
    // receipt of NEW_CONNECTION_ID as PROTOCOL_VIOLATION.
    if (this.current.cid.length === 0) {
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        'NEW_CONNECTION_ID received but the peer uses a zero-length connection ID',
        NEW_CONNECTION_ID,
      );
    }
    const known = this.active.get(sequence);
    if (known) {
      // RFC 9000 §19.15: a sequence number used for different CIDs MAY be PROTOCOL_VIOLATION;
      // the same frame received twice MUST NOT be an error.
      if (!equalBytes(known.cid, cid) || !sameToken(known.resetToken, resetToken)) {
        throw new TransportError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          `NEW_CONNECTION_ID reuses sequence ${sequence} for a different connection ID`,
          NEW_CONNECTION_ID,
        );
      }
      return;
    }
    for (const other of this.active.values()) {
      if (equalBytes(other.cid, cid)) {
        throw new TransportError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          `NEW_CONNECTION_ID repeats connection ID ${sequence} under sequence ${other.sequence}`,
          NEW_CONNECTION_ID,
        );
      }
    }
    // RFC 9000 §19.15: a receiver MUST ignore Retire Prior To values that do
    // not increase the largest received one; a CID below it is retired at once.
    if (retirePriorTo > this.largestRetirePriorTo) {
      this.largestRetirePriorTo = retirePriorTo;
      for (const seq of [...this.active.keys()]) if (seq < retirePriorTo) this.retire(seq);
    }
    if (sequence < this.largestRetirePriorTo) {
      if (!this.retireInFlight.includes(sequence)) this.queueRetirement(sequence);
    } else {
      // Copied: the frame's views point into the datagram it arrived in.
      this.active.set(sequence, { sequence, ...packConnectionId(cid, resetToken) });
    }
    // RFC 9000 §5.1.1: after adding and retiring, more active CIDs than our
    // active_connection_id_limit is CONNECTION_ID_LIMIT_ERROR.
    if (this.active.size > this.localLimit) {
      throw new TransportError(
        TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
        `peer provided ${this.active.size} active connection IDs; our limit is ${this.localLimit}`,
        NEW_CONNECTION_ID,
      );
    }
    if (!this.active.has(this.currentSequence)) this.switchToLowestActive();
  }

  /**
   * Move to an unused CID (e.g. on migration): retires the current one.
   * Returns false when the peer has given us no spare CID.
   */
  rotate(): boolean {
    const next = [...this.active.keys()]
      .filter((s) => s !== this.currentSequence)
      .sort((a, b) => a - b);
    if (next.length === 0) return false;
    this.retire(this.currentSequence);
    this.currentSequence = next[0]!;
    return true;
  }

  pollRetireConnectionId(): number | undefined {
    const sequence = this.retireQueue.shift();
    if (sequence !== undefined) this.retireInFlight.push(sequence);
    return sequence;
  }

  hasPending(): boolean {
    return this.retireQueue.length > 0;
  }

  onRetireAcked(sequence: number): void {
    this.forgetInFlight(sequence);
  }

  onRetireLost(sequence: number): void {
    if (this.forgetInFlight(sequence)) this.retireQueue.push(sequence);
  }

  private forgetInFlight(sequence: number): boolean {
    const at = this.retireInFlight.indexOf(sequence);
    if (at < 0) return false;
    this.retireInFlight.splice(at, 1);
    return true;
  }

  private retire(sequence: number): void {
    this.active.delete(sequence);
    this.queueRetirement(sequence);
  }

  private queueRetirement(sequence: number): void {
    // RFC 9000 §5.1.2: an endpoint MAY treat having more CIDs in need of
    // retirement than twice its limit as CONNECTION_ID_LIMIT_ERROR; we do,
    // so a peer cannot grow this queue without bound.
    if (this.retireQueue.length + this.retireInFlight.length >= 2 * this.localLimit + 2) {
      throw new TransportError(
        TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
        'peer made us retire more connection IDs than we can track',
        NEW_CONNECTION_ID,
      );
    }
    this.retireQueue.push(sequence);
  }

  private switchToLowestActive(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const seq of this.active.keys()) if (seq < lowest) lowest = seq;
    if (Number.isFinite(lowest)) this.currentSequence = lowest;
  }
}

function sameToken(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a === undefined || equalBytes(a, b);
}
