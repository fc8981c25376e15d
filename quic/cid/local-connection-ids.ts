// The connection IDs this endpoint issues to its peer: the peer puts them in
// the Destination Connection ID of the packets it sends us, so each one must
// route to this connection until the peer retires it.
//
// RFC 9000 §5.1.1: An endpoint MUST NOT provide more connection IDs than the
// peer's limit (active_connection_id_limit), and SHOULD supply a new
// connection ID when the peer retires one.

import { equalBytes } from '../../crypto/bytes.js';
import { TransportError, TransportErrorCode } from '../errors.js';
import { packConnectionId } from './packed-connection-id.js';

export interface IssuedConnectionId {
  readonly sequence: number;
  readonly cid: Uint8Array;
  /** RFC 9000 §10.3: the token a stateless reset for this CID carries. */
  readonly resetToken: Uint8Array;
}

export interface LocalConnectionIdsOptions {
  /** The CID we chose for our first packets' Source Connection ID (sequence 0). */
  readonly initial: Uint8Array;
  /** Length of the CIDs we issue; 0 means we use zero-length CIDs and never issue more. */
  readonly cidLength: number;
  readonly random: (n: number) => Uint8Array;
  /** Derives the stateless reset token for a CID (an endpoint-wide static key). */
  readonly resetTokenFor: (cid: Uint8Array) => Uint8Array;
  /** How many CIDs we keep active at most, whatever the peer allows (bounds routing state). */
  readonly maxActive?: number;
}

/** What the connection must do after a change: tell the endpoint to route or unroute CIDs. */
export interface LocalConnectionIdChanges {
  readonly added: IssuedConnectionId[];
  readonly removed: Uint8Array[];
}

const DEFAULT_MAX_ACTIVE = 8;

export class LocalConnectionIds {
  private readonly active = new Map<number, IssuedConnectionId>();
  private nextSequence = 1;
  private peerLimit = 2; // RFC 9000 §18.2: the default active_connection_id_limit is 2.
  private unsent: IssuedConnectionId[] = [];
  private readonly maxActive: number;
  private changeCount = 0;

  constructor(private readonly options: LocalConnectionIdsOptions) {
    this.maxActive = Math.max(1, options.maxActive ?? DEFAULT_MAX_ACTIVE);
    const initial: IssuedConnectionId = {
      sequence: 0,
      cid: options.initial,
      resetToken: options.resetTokenFor(options.initial),
    };
    this.active.set(0, initial);
  }

  /**
   * Counts changes to the set all() returns (issues and retirements): a
   * router compares it with the count it last synced at, instead of
   * comparing the sets on every datagram.
   */
  get changes(): number {
    return this.changeCount;
  }

  /** Every CID that must currently route to this connection. */
  all(): IssuedConnectionId[] {
    return [...this.active.values()];
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** The peer's active_connection_id_limit, learned from its transport parameters. */
  setPeerLimit(limit: number): void {
    this.peerLimit = limit;
  }

  /**
   * Issue CIDs until the peer holds as many as it (and we) allow. Returns the
   * new ones, which the caller registers for routing; they are also queued to
   * be sent in NEW_CONNECTION_ID frames.
   */
  replenish(): IssuedConnectionId[] {
    // RFC 9000 §19.15: An endpoint that provides zero-length CIDs cannot issue new ones.
    if (this.options.cidLength === 0) return [];
    const target = Math.min(this.peerLimit, this.maxActive);
    const added: IssuedConnectionId[] = [];
    while (this.active.size < target) {
      const cid = this.options.random(this.options.cidLength);
      const issued = {
        sequence: this.nextSequence++,
        ...packConnectionId(cid, this.options.resetTokenFor(cid)),
      };
      this.active.set(issued.sequence, issued);
      this.unsent.push(issued);
      added.push(issued);
      this.changeCount++;
    }
    return added;
  }

  /** NEW_CONNECTION_ID frames waiting to be sent (first in, first out). */
  pollNewConnectionId(): IssuedConnectionId | undefined {
    const next = this.unsent.shift();
    // Drained: drop the grown backing store rather than keep it for the connection's life.
    if (next !== undefined && this.unsent.length === 0) this.unsent = [];
    return next;
  }

  hasPending(): boolean {
    return this.unsent.length > 0;
  }

  /** A NEW_CONNECTION_ID frame was lost: send it again if the CID is still active. */
  onNewConnectionIdLost(sequence: number): void {
    const issued = this.active.get(sequence);
    if (issued && !this.unsent.includes(issued)) this.unsent.push(issued);
  }

  /**
   * The peer sent RETIRE_CONNECTION_ID. Returns the CID to stop routing
   * (undefined for a repeat). `packetDcid` is the DCID of the packet that
   * carried the frame.
   */
  onRetire(sequence: number, packetDcid: Uint8Array): Uint8Array | undefined {
    // RFC 9000 §19.16: An endpoint that provides a zero-length connection ID
    // MUST treat receipt of a RETIRE_CONNECTION_ID frame as PROTOCOL_VIOLATION.
    if (this.options.cidLength === 0) {
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        'RETIRE_CONNECTION_ID received but we use zero-length connection IDs',
        0x19,
      );
    }
    // RFC 9000 §19.16: a sequence number greater than any previously sent is PROTOCOL_VIOLATION.
    if (sequence >= this.nextSequence) {
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        `RETIRE_CONNECTION_ID for sequence ${sequence}, but only ${this.nextSequence} were issued`,
        0x19,
      );
    }
    const issued = this.active.get(sequence);
    if (!issued) return undefined;
    // RFC 9000 §19.16: the sequence number MUST NOT refer to the DCID of the
    // packet in which the frame is contained.
    if (equalBytes(issued.cid, packetDcid)) {
      throw new TransportError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        `RETIRE_CONNECTION_ID retires connection ID ${sequence}, which the carrying packet uses`,
        0x19,
      );
    }
    this.active.delete(sequence);
    this.changeCount++;
    const queued = this.unsent.indexOf(issued);
    if (queued >= 0) this.unsent.splice(queued, 1);
    return issued.cid;
  }
}
