// The endpoint's routing table: which connection a datagram belongs to.
//
// Two kinds of keys:
//   - a connection ID we issued (random, chosen by us): the key is the CID's
//     bytes as a hex string, an injective encoding, so two different CIDs
//     never share a key;
//   - the client-chosen DCID of its first Initials, before it has seen our
//     CID: the key also holds the client's address and port, so a peer that
//     picks the same DCID as another client (RFC 9000 §7.2 only asks the
//     client for 8 unpredictable bytes) reaches a connection of its own and
//     can never steer packets into someone else's.
// Map keys are strings: V8 hashes strings with a per-process random seed,
// and a peer controls at most the DCID part of a key, never its length
// prefix, so it cannot build colliding keys.

export interface RemoteAddress {
  readonly address: string;
  readonly port: number;
}

export function hexOf(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!;
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The client's IP and port, as a token binds it (Retry) and as routing keys use it. */
export function addressKey(remote: RemoteAddress): string {
  return `${remote.address}|${remote.port}`;
}

interface Registered<T> {
  readonly value: T;
  /** A handful per connection (its CIDs and the Initial key): an array costs less than a Set. */
  readonly keys: string[];
}

export class ConnectionTable<T> {
  private readonly byKey = new Map<string, Registered<T>>();
  private readonly byValue = new Map<T, Registered<T>>();

  get size(): number {
    return this.byValue.size;
  }

  values(): IterableIterator<T> {
    return this.byValue.keys();
  }

  /** The connection that owns a CID we issued. */
  lookupCid(cid: Uint8Array): T | undefined {
    return this.byKey.get(cidKey(cid))?.value;
  }

  /** The connection a client created with `dcid` from `remote`, before it used our CIDs. */
  lookupInitial(remote: RemoteAddress, dcid: Uint8Array): T | undefined {
    return this.byKey.get(initialKey(remote, dcid))?.value;
  }

  add(value: T): void {
    if (!this.byValue.has(value)) this.byValue.set(value, { value, keys: [] });
  }

  addCid(value: T, cid: Uint8Array): void {
    this.bind(value, cidKey(cid));
  }

  addInitial(value: T, remote: RemoteAddress, dcid: Uint8Array): void {
    this.bind(value, initialKey(remote, dcid));
  }

  removeCid(value: T, cid: Uint8Array): void {
    const key = cidKey(cid);
    const entry = this.byKey.get(key);
    if (entry?.value !== value) return;
    this.byKey.delete(key);
    const at = entry.keys.indexOf(key);
    if (at >= 0) entry.keys.splice(at, 1);
  }

  hasCid(value: T, cid: Uint8Array): boolean {
    return this.byKey.get(cidKey(cid))?.value === value;
  }

  /** Forget a connection and every key that routes to it. */
  remove(value: T): void {
    const entry = this.byValue.get(value);
    if (!entry) return;
    for (const key of entry.keys) if (this.byKey.get(key) === entry) this.byKey.delete(key);
    this.byValue.delete(value);
  }

  private bind(value: T, key: string): void {
    this.add(value);
    const entry = this.byValue.get(value)!;
    // A CID we issued is random; should one ever repeat, the older route wins.
    if (this.byKey.has(key)) return;
    this.byKey.set(key, entry);
    entry.keys.push(key);
  }
}

function cidKey(cid: Uint8Array): string {
  return `c${hexOf(cid)}`;
}

function initialKey(remote: RemoteAddress, dcid: Uint8Array): string {
  return `i${addressKey(remote)}|${hexOf(dcid)}`;
}
