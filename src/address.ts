// IP literals and host names, parsed without node:net so the generic Socket
// runs on any runtime. Addresses are compared in their canonical text form
// (RFC 5952 for IPv6), so '0:0::1' and '::1' name the same peer.

export type IpFamily = 4 | 6;

/** Largest UDP payload: 65535 - 20 (IPv4 header) - 8 (UDP header). */
export const MAX_UDP_PAYLOAD_IPV4 = 65507;
/** Largest UDP payload without jumbograms: 65535 (IPv6 payload length) - 8 (UDP header). */
export const MAX_UDP_PAYLOAD_IPV6 = 65527;

export function maxUdpPayload(family: IpFamily): number {
  return family === 4 ? MAX_UDP_PAYLOAD_IPV4 : MAX_UDP_PAYLOAD_IPV6;
}

/** The four octets of a dotted-quad IPv4 literal, or undefined. Leading zeros are refused (octal ambiguity). */
export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    octets.push(value);
  }
  return octets;
}

export interface ParsedIPv6 {
  groups: number[]; // eight 16-bit groups
  zone: string | undefined; // scope id after '%', e.g. 'eth0'
}

/** RFC 4291 §2.2: the three text forms of an IPv6 address, with an optional zone (RFC 4007 §11). */
export function parseIPv6(text: string): ParsedIPv6 | undefined {
  let zone: string | undefined;
  let body = text;
  const percent = text.indexOf('%');
  if (percent >= 0) {
    zone = text.slice(percent + 1);
    body = text.slice(0, percent);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(zone)) return undefined;
  }
  if (body.length === 0 || body.length > 45) return undefined;
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [
    ...head,
    ...new Array<number>(halves.length === 2 ? missing : 0).fill(0),
    ...tail,
  ];
  return { groups, zone };
}

function parseGroups(text: string, mayEndWithIPv4: boolean): number[] | undefined {
  if (text === '') return [];
  const pieces = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (i === pieces.length - 1 && mayEndWithIPv4 && piece.includes('.')) {
      const octets = parseIPv4(piece);
      if (octets === undefined) return undefined;
      groups.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(piece)) return undefined;
      groups.push(Number.parseInt(piece, 16));
    }
  }
  return groups;
}

/** 4, 6, or undefined when `text` is not an IP literal. */
export function ipFamily(text: string): IpFamily | undefined {
  if (parseIPv4(text) !== undefined) return 4;
  if (parseIPv6(text) !== undefined) return 6;
  return undefined;
}

/**
 * The canonical text of an IP literal: IPv4 as given (leading zeros are
 * refused), IPv6 per RFC 5952 §4: lower case, no leading zeros, the longest
 * run of two or more zero groups (the first on a tie) as '::', and
 * IPv4-mapped addresses (::ffff:0:0/96) with a dotted-quad tail (§5).
 * Returns undefined when `text` is not an IP literal.
 */
export function canonicalAddress(text: string): string | undefined {
  if (parseIPv4(text) !== undefined) return text;
  const parsed = parseIPv6(text);
  if (parsed === undefined) return undefined;
  const { groups, zone } = parsed;
  const suffix = zone === undefined ? '' : `%${zone}`;
  // RFC 5952 §5: IPv4-mapped addresses are written with the IPv4 part in dotted decimal.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}${suffix}`;
  }
  // RFC 5952 §4.2.3: "::" shortens the longest run of zero fields, the first on a tie.
  // RFC 5952 §4.2.2: "::" MUST NOT be used to shorten just one 16-bit 0 field.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  // RFC 5952 §4.1, §4.3: leading zeros MUST be suppressed; hex digits are lower case.
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':') + suffix;
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}${suffix}`;
}

/** 'a.b.c.d' for an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else the address unchanged. */
export function unmapIPv4(address: string): string {
  const canonical = canonicalAddress(address);
  if (canonical?.startsWith('::ffff:') && canonical.includes('.')) return canonical.slice(7);
  return address;
}

/** '::ffff:a.b.c.d' for an IPv4 literal, so a dual-stack IPv6 socket can reach it. */
export function mapIPv4(address: string): string {
  return parseIPv4(address) === undefined ? address : `::ffff:${address}`;
}

/** The unspecified ("any") address of a family. */
export function wildcardAddress(family: IpFamily): string {
  return family === 4 ? '0.0.0.0' : '::';
}

export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || canonicalAddress(address) === '::';
}

/**
 * RFC 1123 §2.1 host names: dot-separated labels of letters, digits and
 * hyphens, 1 to 63 characters each, no hyphen at either end, at most 253
 * characters in all (a trailing dot allowed). RFC 3696 §2: the top-level
 * label is not all-numeric, so '1.2.3.256' is neither an IP nor a name.
 */
export function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  // RFC 1035 §2.3.4: names are at most 255 octets on the wire, 253 characters as text.
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  for (const label of labels) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) return false;
  }
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/**
 * RFC 6761 §6.4: names under '.invalid' never resolve, and resolver APIs
 * SHOULD recognize them as invalid and report failure at once, without a query.
 */
export function isReservedInvalidName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'invalid' || name.endsWith('.invalid');
}

/** 'host:port', with IPv6 addresses in brackets (RFC 3986 §3.2.2). */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
