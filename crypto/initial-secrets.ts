// Initial packet protection (RFC 9001 §5.2): both sides derive it from the
// Destination Connection ID of the client's first Initial packet, with
// AEAD_AES_128_GCM and the version's salt.
import { CipherSuite } from './cipher-suites.js';
import type { CryptoProvider } from './crypto-provider.js';
import { hkdfExpandLabel, hkdfExtract } from './hkdf.js';
import { derivePacketKeys, type PacketKeys } from './packet-keys.js';
import { getCryptoProvider } from './providers.js';
import { requireVersionParameters } from './version-parameters.js';

export interface InitialSecrets {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
}

export interface InitialKeys {
  /** Protects packets the client sends (the server opens with it). */
  readonly client: PacketKeys;
  /** Protects packets the server sends (the client opens with it). */
  readonly server: PacketKeys;
}

const EMPTY = new Uint8Array(0);
/** RFC 9000 §17.2: a connection ID is at most 20 bytes in QUIC v1 (and v2). */
const MAX_CONNECTION_ID_LENGTH = 20;

/**
 * RFC 9001 §5.2:
 *   initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
 *   client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", Hash.length)
 *   server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", Hash.length)
 */
export function initialSecrets(
  version: number,
  destinationConnectionId: Uint8Array,
): InitialSecrets {
  const { initialSalt } = requireVersionParameters(version);
  if (
    !(destinationConnectionId instanceof Uint8Array) ||
    destinationConnectionId.length > MAX_CONNECTION_ID_LENGTH
  ) {
    throw new RangeError(
      `destinationConnectionId: at most ${MAX_CONNECTION_ID_LENGTH} bytes, got ${destinationConnectionId?.length}`,
    );
  }
  const initial = hkdfExtract('sha256', initialSalt, destinationConnectionId);
  return {
    client: hkdfExpandLabel('sha256', initial, 'client in', EMPTY, 32),
    server: hkdfExpandLabel('sha256', initial, 'server in', EMPTY, 32),
  };
}

/** RFC 9001 §5.2: Initial packets use AEAD_AES_128_GCM with keys from the Initial secrets. */
export function deriveInitialKeys(
  version: number,
  destinationConnectionId: Uint8Array,
  provider: CryptoProvider = getCryptoProvider(),
): InitialKeys {
  const secrets = initialSecrets(version, destinationConnectionId);
  const suite = CipherSuite.TLS_AES_128_GCM_SHA256;
  return {
    client: derivePacketKeys(secrets.client, suite, version, provider),
    server: derivePacketKeys(secrets.server, suite, version, provider),
  };
}
