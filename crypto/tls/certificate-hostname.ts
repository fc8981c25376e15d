// Server identity check (RFC 6125 §6, RFC 9525): the name the client asked
// for against the certificate's subjectAltName. DNS names compare
// case-insensitively as A-labels; a wildcard is only the whole left-most
// label; IP literals compare only with iPAddress entries; never the CN.

export type ServerIdentity =
  | { readonly kind: 'dns'; readonly name: string }
  | { readonly kind: 'ip'; readonly address: Uint8Array };

/** Strict dotted-quad IPv4 (no octal, hex or short forms, which resolvers disagree on). */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[i] = value;
  }
  return out;
}

/** RFC 4291 §2.2 text forms, including "::" and a trailing dotted IPv4. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(':') || text.length > 64) return undefined;
  let head = text;
  let tailV4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (!tailV4) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = left.length + right.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const all = [...left, ...Array<string>(8 - groups).fill('0'), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(all[i]!)) return undefined;
    const value = Number.parseInt(all[i]!, 16);
    out[2 * i] = value >> 8;
    out[2 * i + 1] = value & 0xff;
  }
  if (tailV4) out.set(tailV4, 12);
  return out;
}

export function formatIp(address: Uint8Array): string {
  if (address.length === 4) return address.join('.');
  if (address.length !== 16) return `<${address.length}-byte address>`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i]! << 8) | address[i + 1]!).toString(16));
  // RFC 5952 §4.2: compress the longest run (of at least two) of zero groups.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

/** Lower case, without one trailing dot (RFC 6125 §6.2.1 / absolute names). */
function normalizeDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * What the client expects: an IP literal (IPv4, IPv6, optionally in brackets)
 * or a DNS name converted to A-labels. TypeError if it is neither.
 */
export function parseServerIdentity(serverName: string): ServerIdentity {
  if (typeof serverName !== 'string' || serverName.length === 0 || serverName.length > 253 + 1) {
    throw new TypeError(
      `serverName: expected a DNS name or IP address, got ${JSON.stringify(serverName)}`,
    );
  }
  const unbracketed =
    serverName.startsWith('[') && serverName.endsWith(']') ? serverName.slice(1, -1) : serverName;
  const ip = parseIpv4(unbracketed) ?? parseIpv6(unbracketed.replace(/%.*$/, ''));
  if (ip) return { kind: 'ip', address: ip };
  let name = serverName;
  // RFC 6125 §6.4.2: IDNs are compared as A-labels; the WHATWG URL parser applies UTS #46 / punycode.
  if (/[^\x20-\x7e]/.test(name)) {
    try {
      name = new URL(`http://${name}/`).hostname;
    } catch {
      throw new TypeError(`serverName: ${JSON.stringify(serverName)} is not a valid host name`);
    }
  }
  name = normalizeDnsName(name);
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || name.split('.').some((l) => l.length > 63)) {
    throw new TypeError(`serverName: ${JSON.stringify(serverName)} is not a valid host name`);
  }
  return { kind: 'dns', name };
}

/**
 * RFC 6125 §6.4.3: a presented dNSName matches when equal (case-insensitive),
 * or when its whole left-most label is "*" and the rest equals the reference
 * name minus its left-most label. No partial wildcards ("f*.example.com"),
 * no wildcard over a public suffix-like single label ("*.com").
 */
export function dnsNameMatches(presented: string, reference: string): boolean {
  const pattern = normalizeDnsName(presented);
  if (pattern.length === 0 || reference.length === 0) return false;
  if (!pattern.startsWith('*.')) return !pattern.includes('*') && pattern === reference;
  const suffix = pattern.slice(2);
  if (suffix.includes('*') || !suffix.includes('.')) return false;
  const dot = reference.indexOf('.');
  // The wildcard stands for exactly one non-empty label.
  return dot > 0 && reference.slice(dot + 1) === suffix;
}

function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Does the certificate (its SAN entries) identify `identity`? */
export function certificateMatchesIdentity(
  identity: ServerIdentity,
  dnsNames: readonly string[],
  ipAddresses: readonly Uint8Array[],
): boolean {
  if (identity.kind === 'ip') {
    // RFC 6125 §6.2.1 / RFC 9525 §6.3: an IP reference identity matches only iPAddress, never dNSName.
    return ipAddresses.some((a) => sameAddress(a, identity.address));
  }
  return dnsNames.some((presented) => dnsNameMatches(presented, identity.name));
}

export function describeIdentity(identity: ServerIdentity): string {
  return identity.kind === 'ip' ? formatIp(identity.address) : identity.name;
}
