// What the server endpoint sends without keeping any state: Version
// Negotiation (RFC 9000 §6.1), Retry (RFC 9000 §8.1.2, §17.2.5) and a
// CONNECTION_CLOSE in an Initial packet that refuses a connection (RFC 9000
// §10.2: "a server has not established any state for the connection at this
// point and so does not enter the closing period").
import type { CryptoProvider } from '../../crypto/crypto-provider.js';
import { computeRetryIntegrityTag } from '../../crypto/retry-integrity.js';
import { Connection } from '../connection/connection.js';
import type { ServerConnectionOptions } from '../connection/connection-options.js';
import type { InvariantHeader, PacketHeader } from '../packet/packet-header.js';
import { encodeRetry } from '../packet/retry.js';
import { encodeVersionNegotiation } from '../packet/version-negotiation.js';

/**
 * RFC 9000 §6.1: the Version Negotiation packet for a client's long header
 * with a version we do not support: our versions, the client's CIDs swapped.
 */
export function versionNegotiationReply(
  header: InvariantHeader,
  versions: readonly number[],
  random: (n: number) => Uint8Array,
): Uint8Array {
  return encodeVersionNegotiation({
    // RFC 9000 §17.2.1: the server MUST include the value from the Source
    // Connection ID field of the packet it receives in the Destination
    // Connection ID field, and the Destination Connection ID in the Source.
    dcid: header.scid,
    scid: header.dcid,
    versions: [...versions],
    unusedBits: random(1)[0]!,
  });
}

/** RFC 9000 §17.2.5: a Retry carrying `token`, from our new CID `retryScid`. */
export function retryReply(
  header: PacketHeader,
  retryScid: Uint8Array,
  token: Uint8Array,
  random: (n: number) => Uint8Array,
  provider?: CryptoProvider,
): Uint8Array {
  const layout = encodeRetry(
    {
      version: header.version,
      dcid: header.scid,
      scid: retryScid,
      token,
      unusedBits: random(1)[0]! & 0x0f,
    },
    header.dcid,
  );
  // RFC 9001 §5.8: the Retry Integrity Tag over the pseudo-packet, keyed by the ODCID.
  const withoutTag = layout.packet.subarray(0, layout.packet.length - layout.tag.length);
  layout.tag.set(computeRetryIntegrityTag(header.version, header.dcid, withoutTag, provider));
  return layout.packet;
}

/**
 * A datagram with an Initial packet carrying CONNECTION_CLOSE with a
 * transport error `code` (CONNECTION_REFUSED, INVALID_TOKEN) for a client
 * Initial. A connection object is built only to reuse the packet builder;
 * it is dropped at once and no state remains.
 */
export function refusalReply(
  now: number,
  header: PacketHeader,
  code: number,
  reason: string,
  options: Omit<ServerConnectionOptions, 'originalDcid' | 'clientDcid' | 'clientScid' | 'version'>,
): Uint8Array | undefined {
  const throwaway = new Connection(
    {
      ...options,
      version: header.version,
      originalDcid: header.dcid,
      clientDcid: header.dcid,
      clientScid: header.scid,
      // The close answers one datagram of at least 1200 bytes with one smaller one.
      addressValidated: true,
      tls: { ...options.tls, issueTickets: false },
    },
    now,
  );
  throwaway.close(now, code, reason, false);
  return throwaway.pollTransmit(now);
}
