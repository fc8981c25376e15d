// TLS alerts (RFC 8446 §6). In QUIC there is no alert record: a TLS failure
// becomes CRYPTO_ERROR 0x0100 + AlertDescription (RFC 9001 §4.8).

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

export type AlertName = keyof typeof AlertDescription;

const ALERT_NAMES = new Map<number, AlertName>(
  Object.entries(AlertDescription).map(([name, code]) => [code, name as AlertName]),
);

export function alertName(code: number): string {
  return ALERT_NAMES.get(code) ?? `alert_${code}`;
}

/**
 * The one error type the TLS engine throws: which alert to send, and why, in
 * words a person can act on. The QUIC layer maps it to CRYPTO_ERROR.
 */
export class TlsAlert extends Error {
  readonly alert: number;

  constructor(alert: AlertName | number, reason: string) {
    const code = typeof alert === 'number' ? alert : AlertDescription[alert];
    super(`${alertName(code)}: ${reason}`);
    this.name = 'TlsAlert';
    this.alert = code;
  }

  get alertName(): string {
    return alertName(this.alert);
  }
}
