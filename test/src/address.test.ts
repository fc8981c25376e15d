import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  formatEndpoint,
  ipFamily,
  isHostname,
  isReservedInvalidName,
  isWildcardAddress,
  mapIPv4,
  maxUdpPayload,
  parseIPv4,
  parseIPv6,
  unmapIPv4,
} from '../../src/address.js';

describe('IPv4 literals', () => {
  it('parses dotted quads', () => {
    expect(parseIPv4('127.0.0.1')).toEqual([127, 0, 0, 1]);
    expect(parseIPv4('255.255.255.255')).toEqual([255, 255, 255, 255]);
  });
  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '', 'a.b.c.d', '1..2.3'])(
    'refuses %j',
    (text) => {
      expect(parseIPv4(text)).toBeUndefined();
    },
  );
});

describe('IPv6 literals (RFC 4291 §2.2)', () => {
  it('parses the compressed and full forms', () => {
    expect(parseIPv6('::1')?.groups).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('::')?.groups).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('2001:db8::ff00:42:8329')?.groups).toEqual([
      0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329,
    ]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')?.groups).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
  it('parses an IPv4 tail and a zone', () => {
    expect(parseIPv6('::ffff:192.0.2.1')?.groups).toEqual([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]);
    expect(parseIPv6('fe80::1%eth0')).toEqual({
      groups: [0xfe80, 0, 0, 0, 0, 0, 0, 1],
      zone: 'eth0',
    });
  });
  it.each([
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    'g::1',
    '12345::',
    '::1.2.3',
    '1.2.3.4::',
    ':1',
    '1:',
    'fe80::1%',
  ])('refuses %j', (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });
});

describe('canonical text (RFC 5952 §4)', () => {
  it.each([
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0db8::0001', '2001:db8::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['0:0::', '::'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s -> %s', (text, canonical) => {
    expect(canonicalAddress(text)).toBe(canonical);
  });

  it('agrees with node:net on every generated address and is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV6(), fc.ipV4()), (address) => {
        const canonical = canonicalAddress(address);
        expect(canonical).toBeDefined();
        expect(isIP(canonical!)).toBe(isIP(address));
        expect(canonicalAddress(canonical!)).toBe(canonical);
        expect(parseIPv6(canonical!)?.groups ?? parseIPv4(canonical!)).toEqual(
          parseIPv6(address)?.groups ?? parseIPv4(address),
        );
      }),
    );
  });

  it('never throws on arbitrary strings and agrees with node:net on what is an IP', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (text) => {
        const family = ipFamily(text);
        if (family !== undefined && !text.includes('%')) expect(isIP(text)).toBe(family);
      }),
    );
  });
});

describe('helpers', () => {
  it('maps and unmaps IPv4 in IPv6', () => {
    expect(mapIPv4('127.0.0.1')).toBe('::ffff:127.0.0.1');
    expect(mapIPv4('::1')).toBe('::1');
    expect(unmapIPv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(unmapIPv4('::FFFF:7f00:1')).toBe('127.0.0.1');
    expect(unmapIPv4('::1')).toBe('::1');
  });
  it('knows the wildcards, the payload limits and the endpoint text', () => {
    expect(isWildcardAddress('0.0.0.0')).toBe(true);
    expect(isWildcardAddress('0::0')).toBe(true);
    expect(isWildcardAddress('127.0.0.1')).toBe(false);
    expect(maxUdpPayload(4)).toBe(65507);
    expect(maxUdpPayload(6)).toBe(65527);
    expect(formatEndpoint('::1', 443)).toBe('[::1]:443');
    expect(formatEndpoint('10.0.0.1', 443)).toBe('10.0.0.1:443');
  });
});

describe('host names (RFC 1123 §2.1)', () => {
  it.each(['localhost', 'example.com', 'a-b.c0.example.', 'xn--bcher-kva.example', 'abc'])(
    'accepts %j',
    (name) => {
      expect(isHostname(name)).toBe(true);
    },
  );
  it.each([
    '',
    '-a.com',
    'a-.com',
    'a..b',
    'a b',
    'a_b.com',
    '1.2.3.256',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(127)}a`,
  ])('refuses %j', (name) => {
    expect(isHostname(name)).toBe(false);
  });
  it('recognizes the reserved .invalid names (RFC 6761 §6.4)', () => {
    expect(isReservedInvalidName('nothing.invalid')).toBe(true);
    expect(isReservedInvalidName('A.INVALID.')).toBe(true);
    expect(isReservedInvalidName('invalid')).toBe(true);
    expect(isReservedInvalidName('invalid.example')).toBe(false);
  });
});
