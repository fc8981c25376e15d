// Session tickets for PSK resumption (RFC 8446 §4.6.1, §4.2.11).
//
// Server side: the ticket is the session state sealed with AES-256-GCM under a
// ticket key the server shell keeps for all connections of a listener (so any
// connection can resume any other's session). Client side: what the client
// keeps to resume, handed to the application as a `SessionTicket`.
import { aesGcmOpen, aesGcmSeal } from './aes-gcm-box.js';
import { TlsReader, TlsWriter } from './codec.js';

/** RFC 8446 §4.6.1: Servers MUST NOT use any value greater than 604800 seconds (7 days). */
export const MAX_TICKET_LIFETIME_SECONDS = 604800;

/** RFC 9001 §4.6.1: in QUIC, max_early_data_size in a ticket allowing 0-RTT is 0xffffffff. */
export const QUIC_MAX_EARLY_DATA = 0xffffffff;

/** What the client keeps from a NewSessionTicket to resume later. */
export interface SessionTicket {
  /** The opaque ticket, sent back as the PSK identity. */
  readonly ticket: Uint8Array;
  /** The resumption PSK, HKDF-Expand-Label(resumption_master_secret, "resumption", nonce). */
  readonly psk: Uint8Array;
  readonly cipherSuite: number;
  readonly lifetimeSeconds: number;
  readonly ageAdd: number;
  /** Wall-clock ms since epoch at which the ticket arrived. */
  readonly receivedAtMs: number;
  /** 0 when the ticket does not allow early data; 0xffffffff when it does (QUIC). */
  readonly maxEarlyDataSize: number;
  readonly alpn: string;
  readonly serverName: string | undefined;
}

/** The session state sealed inside a ticket by the server. */
export interface TicketState {
  readonly cipherSuite: number;
  readonly psk: Uint8Array;
  readonly alpn: string;
  readonly ageAdd: number;
  readonly issuedAtMs: number;
  readonly lifetimeSeconds: number;
  readonly maxEarlyDataSize: number;
}

const TICKET_FORMAT_VERSION = 1;
const NONCE_LENGTH = 12;

export const TICKET_KEY_LENGTH = 32;

function encodeState(s: TicketState): Uint8Array {
  const w = new TlsWriter()
    .u16(s.cipherSuite)
    .vector(1, s.psk)
    .vector(1, new TextEncoder().encode(s.alpn))
    .u32(s.ageAdd)
    .u32(Math.floor(s.issuedAtMs / 0x100000000))
    .u32(s.issuedAtMs >>> 0)
    .u32(s.lifetimeSeconds)
    .u32(s.maxEarlyDataSize);
  return w.finish();
}

function decodeState(b: Uint8Array): TicketState {
  const r = new TlsReader(b, 'ticket state');
  const cipherSuite = r.u16();
  const psk = r.vector(1, 32, 48);
  const alpn = new TextDecoder().decode(r.vector(1));
  const ageAdd = r.u32();
  const issuedAtMs = r.u32() * 0x100000000 + r.u32();
  const lifetimeSeconds = r.u32();
  const maxEarlyDataSize = r.u32();
  r.end();
  return { cipherSuite, psk, alpn, ageAdd, issuedAtMs, lifetimeSeconds, maxEarlyDataSize };
}

/** Seals and opens tickets with one AES-256-GCM key (32 bytes). */
export class TicketSealer {
  private readonly key: Uint8Array;

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== TICKET_KEY_LENGTH) {
      throw new TypeError(`ticketKey must be ${TICKET_KEY_LENGTH} bytes, got ${key?.length}`);
    }
    this.key = key.slice();
  }

  seal(state: TicketState, random: (n: number) => Uint8Array): Uint8Array {
    const nonce = random(NONCE_LENGTH);
    const header = Uint8Array.from([TICKET_FORMAT_VERSION]);
    const sealed = aesGcmSeal(this.key, nonce, header, encodeState(state));
    return new TlsWriter().bytes(header).bytes(nonce).bytes(sealed).finish();
  }

  /** The state inside a ticket, or undefined for anything not sealed by this key. */
  open(ticket: Uint8Array): TicketState | undefined {
    if (ticket.length < 1 + NONCE_LENGTH + 16 || ticket[0] !== TICKET_FORMAT_VERSION) {
      return undefined;
    }
    try {
      const header = ticket.subarray(0, 1);
      const nonce = ticket.subarray(1, 1 + NONCE_LENGTH);
      const plain = aesGcmOpen(this.key, nonce, header, ticket.subarray(1 + NONCE_LENGTH));
      return plain === undefined ? undefined : decodeState(plain);
    } catch {
      // A forged, corrupted or foreign ticket: RFC 8446 §4.2.11 says the server
      // then simply does not select that PSK.
      return undefined;
    }
  }
}
