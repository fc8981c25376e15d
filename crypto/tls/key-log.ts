// NSS key log lines (the SSLKEYLOGFILE format read by Wireshark and tshark):
// `LABEL <client_random hex> <secret hex>`, one secret a line.
import { toHex } from './codec.js';

export type KeyLogLabel =
  | 'CLIENT_EARLY_TRAFFIC_SECRET'
  | 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'
  | 'SERVER_HANDSHAKE_TRAFFIC_SECRET'
  | 'CLIENT_TRAFFIC_SECRET_0'
  | 'SERVER_TRAFFIC_SECRET_0'
  | 'EXPORTER_SECRET';

export type KeyLogCallback = (line: string) => void;

export function keyLogLine(
  label: KeyLogLabel,
  clientRandom: Uint8Array,
  secret: Uint8Array,
): string {
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}`;
}
