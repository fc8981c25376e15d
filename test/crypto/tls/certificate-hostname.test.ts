import { describe, expect, it } from 'vitest';
import {
  certificateMatchesIdentity,
  dnsNameMatches,
  formatIp,
  parseIpv4,
  parseIpv6,
  parseServerIdentity,
} from '../../../crypto/tls/certificate-hostname.js';

function matches(serverName: string, dns: string[], ips: string[] = []): boolean {
  const ipBytes = ips.map((ip) => parseIpv4(ip) ?? parseIpv6(ip)!);
  return certificateMatchesIdentity(parseServerIdentity(serverName), dns, ipBytes);
}

describe('DNS names (RFC 6125 §6.4)', () => {
  it.each([
    // [reference, presented, matches]
    ['example.com', 'example.com', true],
    ['EXAMPLE.com', 'example.COM', true],
    ['example.com.', 'example.com', true],
    ['example.com', 'example.com.', true],
    ['www.example.com', 'example.com', false],
    ['example.com', 'www.example.com', false],
    ['foo.example.com', '*.example.com', true],
    ['FOO.Example.com', '*.EXAMPLE.com', true],
    ['example.com', '*.example.com', false],
    ['a.b.example.com', '*.example.com', false],
    ['foo.example.com', 'f*.example.com', false],
    ['foo.example.com', '*oo.example.com', false],
    ['foo.example.com', 'foo.*.com', false],
    ['foo.example.com', '*.*.com', false],
    ['foo.com', '*.com', false],
    ['foo.example.com', '*', false],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example', true],
    ['bücher.example', 'xn--bcher-kva.example', true],
    ['BÜCHER.example', 'xn--bcher-kva.example', true],
    ['bücher.example', 'bücher.example', false],
    ['x.xn--bcher-kva.example', '*.xn--bcher-kva.example', true],
  ])('%s against %s: %s', (reference, presented, expected) => {
    expect(matches(reference, [presented])).toBe(expected);
  });

  it('dnsNameMatches never matches an empty name', () => {
    expect(dnsNameMatches('', '')).toBe(false);
    expect(dnsNameMatches('*.', 'a.')).toBe(false);
  });
});

describe('IP addresses (RFC 6125 §6.2.1: only against iPAddress)', () => {
  it.each([
    ['127.0.0.1', [], ['127.0.0.1'], true],
    ['127.0.0.1', ['127.0.0.1'], [], false],
    ['127.0.0.2', [], ['127.0.0.1'], false],
    ['::1', [], ['::1'], true],
    ['[::1]', [], ['::1'], true],
    ['0:0:0:0:0:0:0:1', [], ['::1'], true],
    ['2001:DB8::1', [], ['2001:db8:0:0::1'], true],
    ['::ffff:192.0.2.1', [], ['::ffff:c000:201'], true],
    ['::ffff:192.0.2.1', [], ['192.0.2.1'], false],
    ['192.0.2.1', [], ['::ffff:192.0.2.1'], false],
    ['fe80::1%eth0', [], ['fe80::1'], true],
    ['::1', ['::1'], [], false],
  ] as [string, string[], string[], boolean][])(
    '%s with dNSName %j and iPAddress %j: %s',
    (name, dns, ips, expected) => {
      expect(matches(name, dns, ips)).toBe(expected);
    },
  );

  it('does not read ambiguous IPv4 forms as addresses', () => {
    for (const text of ['127.1', '0x7f.0.0.1', '0127.0.0.1', '256.0.0.1', '1.2.3.4.5', '1.2.3.']) {
      expect(parseIpv4(text), text).toBeUndefined();
    }
    // "127.1" is then treated as a DNS name, which never matches an iPAddress entry.
    expect(matches('127.1', [], ['127.0.0.1'])).toBe(false);
  });

  it('rejects malformed IPv6', () => {
    for (const text of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', ':', '1:2:3:4:5:6:7']) {
      expect(parseIpv6(text), text).toBeUndefined();
    }
  });

  it('formats addresses for messages (RFC 5952)', () => {
    expect(formatIp(parseIpv6('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIp(parseIpv6('::')!)).toBe('::');
    expect(formatIp(parseIpv6('::1')!)).toBe('::1');
    expect(formatIp(parseIpv6('1:2:3:4:5:6:7:8')!)).toBe('1:2:3:4:5:6:7:8');
    expect(formatIp(Uint8Array.of(10, 0, 0, 1))).toBe('10.0.0.1');
  });
});

describe('parseServerIdentity', () => {
  it('rejects names that are neither a host name nor an IP, with a TypeError naming serverName', () => {
    for (const bad of [
      '',
      'a b',
      'exa mple.com',
      'a..b',
      `${'a'.repeat(64)}.com`,
      '*.example.com',
    ]) {
      expect(() => parseServerIdentity(bad), bad).toThrow(/serverName/);
    }
  });
});
