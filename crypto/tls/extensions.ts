// TLS 1.3 extensions (RFC 8446 §4.2) and the QUIC transport parameters
// extension (RFC 9001 §8.2). An extension block decodes to a list of raw
// { type, data } entries in wire order, so unknown extensions survive a
// decode/encode round trip byte for byte; typed codecs below read and write
// the data of the extensions we understand.
import { TlsAlert } from './alert.js';
import { TlsReader, TlsWriter } from './codec.js';

export const ExtensionType = {
  server_name: 0,
  supported_groups: 10,
  signature_algorithms: 13,
  application_layer_protocol_negotiation: 16,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  signature_algorithms_cert: 50,
  key_share: 51,
  /** RFC 9001 §8.2: quic_transport_parameters. */
  quic_transport_parameters: 0x39,
} as const;

export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

export const TLS13_VERSION = 0x0304;

/** RFC 8446 §4.2: Extension extensions<0..2^16-1> (what: names the message for errors). */
export function decodeExtensions(r: TlsReader, what: string): Extension[] {
  const block = r.sub(2, `${what} extensions`);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16();
    const data = block.vector(2);
    // RFC 8446 §4.2: There MUST NOT be more than one extension of the same type
    // in a given extension block.
    if (seen.has(type)) {
      throw new TlsAlert('illegal_parameter', `${what}: duplicate extension ${type}`);
    }
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function encodeExtensions(w: TlsWriter, extensions: readonly Extension[]): void {
  w.block(2, (b) => {
    for (const e of extensions) b.u16(e.type).vector(2, e.data);
  });
}

export function findExtension(
  extensions: readonly Extension[],
  type: number,
): Uint8Array | undefined {
  for (const e of extensions) if (e.type === type) return e.data;
  return undefined;
}

/** Runs a typed decoder over one extension's data, demanding it is consumed exactly. */
function decodeWith<T>(data: Uint8Array, what: string, body: (r: TlsReader) => T): T {
  const r = new TlsReader(data, what);
  const value = body(r);
  r.end();
  return value;
}

function encodeWith(body: (w: TlsWriter) => void): Uint8Array {
  const w = new TlsWriter();
  body(w);
  return w.finish();
}

function decodeU16List(data: Uint8Array, what: string, prefix: 1 | 2): number[] {
  return decodeWith(data, what, (r) => {
    const list = r.sub(prefix, 'list', 2);
    const out: number[] = [];
    if (list.remaining % 2 !== 0) throw new TlsAlert('decode_error', `${what}: odd length`);
    while (list.remaining > 0) out.push(list.u16());
    return out;
  });
}

function encodeU16List(values: readonly number[], prefix: 1 | 2): Uint8Array {
  return encodeWith((w) =>
    w.block(prefix, (b) => {
      for (const v of values) b.u16(v);
    }),
  );
}

// --- server_name (RFC 6066 §3) ---

export function encodeServerName(hostName: string): Uint8Array {
  const name = new TextEncoder().encode(hostName);
  return encodeWith((w) => w.block(2, (b) => b.u8(0).vector(2, name)));
}

/** The host_name, or undefined when the list carries no host_name entry. */
export function decodeServerName(data: Uint8Array): string | undefined {
  return decodeWith(data, 'server_name', (r) => {
    const list = r.sub(2, 'server_name_list', 1);
    let host: string | undefined;
    while (list.remaining > 0) {
      const nameType = list.u8();
      const name = list.vector(2, 1);
      if (nameType === 0) {
        // RFC 6066 §3: The ServerNameList MUST NOT contain more than one name of the same name_type.
        if (host !== undefined) {
          throw new TlsAlert('illegal_parameter', 'server_name: two host_name entries');
        }
        host = new TextDecoder().decode(name);
      }
    }
    return host;
  });
}

// --- application_layer_protocol_negotiation (RFC 7301 §3.1) ---

export function encodeAlpn(protocols: readonly string[]): Uint8Array {
  return encodeWith((w) =>
    w.block(2, (b) => {
      for (const p of protocols) b.vector(1, new TextEncoder().encode(p));
    }),
  );
}

export function decodeAlpn(data: Uint8Array): string[] {
  return decodeWith(data, 'application_layer_protocol_negotiation', (r) => {
    const list = r.sub(2, 'protocol_name_list', 2);
    const out: string[] = [];
    while (list.remaining > 0) out.push(new TextDecoder().decode(list.vector(1, 1)));
    return out;
  });
}

// --- supported_versions (RFC 8446 §4.2.1) ---

export function encodeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  return encodeU16List(versions, 1);
}

export function decodeSupportedVersionsClient(data: Uint8Array): number[] {
  return decodeU16List(data, 'supported_versions', 1);
}

export function encodeSupportedVersionsServer(version: number): Uint8Array {
  return encodeWith((w) => w.u16(version));
}

export function decodeSupportedVersionsServer(data: Uint8Array): number {
  return decodeWith(data, 'supported_versions', (r) => r.u16());
}

// --- supported_groups (RFC 8446 §4.2.7), signature_algorithms(_cert) (§4.2.3) ---

export function encodeNamedGroupList(groups: readonly number[]): Uint8Array {
  return encodeU16List(groups, 2);
}

export function decodeNamedGroupList(data: Uint8Array): number[] {
  return decodeU16List(data, 'supported_groups', 2);
}

export function encodeSignatureSchemeList(schemes: readonly number[]): Uint8Array {
  return encodeU16List(schemes, 2);
}

export function decodeSignatureSchemeList(data: Uint8Array): number[] {
  return decodeU16List(data, 'signature_algorithms', 2);
}

// --- key_share (RFC 8446 §4.2.8) ---

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

export function encodeKeyShareClient(entries: readonly KeyShareEntry[]): Uint8Array {
  return encodeWith((w) =>
    w.block(2, (b) => {
      for (const e of entries) b.u16(e.group).vector(2, e.keyExchange);
    }),
  );
}

export function decodeKeyShareClient(data: Uint8Array): KeyShareEntry[] {
  return decodeWith(data, 'key_share', (r) => {
    const list = r.sub(2, 'client_shares');
    const out: KeyShareEntry[] = [];
    const groups = new Set<number>();
    while (list.remaining > 0) {
      const group = list.u16();
      const keyExchange = list.vector(2, 1);
      // RFC 8446 §4.2.8: Clients MUST NOT offer multiple KeyShareEntry values
      // for the same group.
      if (groups.has(group)) {
        throw new TlsAlert('illegal_parameter', `key_share: two shares for group ${group}`);
      }
      groups.add(group);
      out.push({ group, keyExchange });
    }
    return out;
  });
}

export function encodeKeyShareServer(entry: KeyShareEntry): Uint8Array {
  return encodeWith((w) => w.u16(entry.group).vector(2, entry.keyExchange));
}

export function decodeKeyShareServer(data: Uint8Array): KeyShareEntry {
  return decodeWith(data, 'key_share', (r) => ({ group: r.u16(), keyExchange: r.vector(2, 1) }));
}

/** RFC 8446 §4.2.8: in a HelloRetryRequest, key_share carries only the selected group. */
export function encodeKeyShareHelloRetry(group: number): Uint8Array {
  return encodeWith((w) => w.u16(group));
}

export function decodeKeyShareHelloRetry(data: Uint8Array): number {
  return decodeWith(data, 'key_share', (r) => r.u16());
}

// --- cookie (RFC 8446 §4.2.2) ---

export function encodeCookie(cookie: Uint8Array): Uint8Array {
  return encodeWith((w) => w.vector(2, cookie));
}

export function decodeCookie(data: Uint8Array): Uint8Array {
  return decodeWith(data, 'cookie', (r) => r.vector(2, 1));
}

// --- psk_key_exchange_modes (RFC 8446 §4.2.9) ---

export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

export function encodePskKeyExchangeModes(modes: readonly number[]): Uint8Array {
  return encodeWith((w) => w.vector(1, Uint8Array.from(modes)));
}

export function decodePskKeyExchangeModes(data: Uint8Array): number[] {
  return decodeWith(data, 'psk_key_exchange_modes', (r) => [...r.vector(1, 1)]);
}

// --- pre_shared_key (RFC 8446 §4.2.11) ---

export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}

export function encodeOfferedPsks(offer: OfferedPsks): Uint8Array {
  return encodeWith((w) => {
    w.block(2, (b) => {
      for (const id of offer.identities) b.vector(2, id.identity).u32(id.obfuscatedTicketAge);
    });
    w.block(2, (b) => {
      for (const binder of offer.binders) b.vector(1, binder);
    });
  });
}

/** Length of the binders list as encoded (2-byte prefix included), for the truncated ClientHello. */
export function bindersLength(binders: readonly Uint8Array[]): number {
  let n = 2;
  for (const b of binders) n += 1 + b.length;
  return n;
}

export function decodeOfferedPsks(data: Uint8Array): OfferedPsks {
  return decodeWith(data, 'pre_shared_key', (r) => {
    const ids = r.sub(2, 'identities', 7);
    const identities: PskIdentity[] = [];
    while (ids.remaining > 0) {
      identities.push({ identity: ids.vector(2, 1), obfuscatedTicketAge: ids.u32() });
    }
    const bs = r.sub(2, 'binders', 33);
    const binders: Uint8Array[] = [];
    while (bs.remaining > 0) binders.push(bs.vector(1, 32));
    // RFC 8446 §4.2.11: the binders correspond one to one with the identities.
    if (binders.length !== identities.length) {
      throw new TlsAlert(
        'illegal_parameter',
        'pre_shared_key: binder count differs from identities',
      );
    }
    return { identities, binders };
  });
}

export function encodeSelectedIdentity(index: number): Uint8Array {
  return encodeWith((w) => w.u16(index));
}

export function decodeSelectedIdentity(data: Uint8Array): number {
  return decodeWith(data, 'pre_shared_key', (r) => r.u16());
}

// --- early_data (RFC 8446 §4.2.10) ---

/** In NewSessionTicket: uint32 max_early_data_size. */
export function encodeMaxEarlyDataSize(size: number): Uint8Array {
  return encodeWith((w) => w.u32(size));
}

export function decodeMaxEarlyDataSize(data: Uint8Array): number {
  return decodeWith(data, 'early_data', (r) => r.u32());
}

/** early_data in ClientHello and EncryptedExtensions is empty. */
export function requireEmpty(data: Uint8Array, what: string): void {
  decodeWith(data, what, () => undefined);
}
