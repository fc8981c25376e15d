import { describe, expect, it } from 'vitest';
import { Socket } from '../../src/socket.js';

const make = (init: unknown) => () => new Socket(init as never);
const remote = { address: '127.0.0.1', port: 443 };

describe('Socket construction: bad input is a TypeError naming the field and the value', () => {
  it.each([
    ['no init', undefined, /init must be an object, got undefined/],
    ['a string init', 'udp', /init must be an object, got "udp"/],
    ['an unknown type', { type: 'tcp', remote }, /init\.type must be 'udp' or 'quic', got "tcp"/],
    ['a missing type', { remote }, /init\.type .*got undefined/],
    [
      'port 70000',
      { type: 'udp', remote: { address: '127.0.0.1', port: 70000 } },
      /init\.remote\.port .*got 70000/,
    ],
    [
      'port -1',
      { type: 'udp', remote: { address: '127.0.0.1', port: -1 } },
      /init\.remote\.port .*got -1/,
    ],
    [
      "port 'abc'",
      { type: 'udp', remote: { address: '127.0.0.1', port: 'abc' } },
      /init\.remote\.port .*got "abc"/,
    ],
    [
      'port 1.5',
      { type: 'udp', remote: { address: '127.0.0.1', port: 1.5 } },
      /init\.remote\.port .*got 1.5/,
    ],
    [
      'remote port 0',
      { type: 'udp', remote: { address: '127.0.0.1', port: 0 } },
      /init\.remote\.port .*from 1 to 65535, got 0/,
    ],
    [
      'a missing remote port',
      { type: 'udp', remote: { address: '127.0.0.1' } },
      /init\.remote\.port .*got undefined/,
    ],
    ['local port 70000', { type: 'udp', local: { port: 70000 } }, /init\.local\.port .*got 70000/],
    [
      'address 1.2.3.256',
      { type: 'udp', remote: { address: '1.2.3.256', port: 1 } },
      /init\.remote\.address .*"1\.2\.3\.256"/,
    ],
    [
      'address "a b"',
      { type: 'udp', remote: { address: 'a b', port: 1 } },
      /init\.remote\.address .*"a b"/,
    ],
    [
      'an empty address',
      { type: 'udp', remote: { address: '', port: 1 } },
      /init\.remote\.address .*""/,
    ],
    [
      'a numeric address',
      { type: 'udp', remote: { address: 127001, port: 1 } },
      /init\.remote\.address .*127001/,
    ],
    ['address ::g', { type: 'udp', local: { address: '::g' } }, /init\.local\.address .*"::g"/],
    [
      'a missing address',
      { type: 'udp', remote: { port: 1 } },
      /init\.remote\.address .*undefined/,
    ],
    [
      'remote not an object',
      { type: 'udp', remote: 'example.com:443' },
      /init\.remote must be an object/,
    ],
    [
      'both local and remote',
      { type: 'udp', local: { port: 0 }, remote },
      /init\.local\/init\.remote .*got "both"/,
    ],
    ['neither local nor remote', { type: 'udp' }, /init\.local\/init\.remote .*got "neither"/],
    [
      'receiveQueueSize 0',
      { type: 'udp', remote, receiveQueueSize: 0 },
      /init\.receiveQueueSize .*got 0/,
    ],
    [
      'sendQueueSize 1e9',
      { type: 'udp', remote, sendQueueSize: 1e9 },
      /init\.sendQueueSize .*got 1000000000/,
    ],
    [
      'a signal that is not one',
      { type: 'udp', remote, signal: {} },
      /init\.signal must be an AbortSignal/,
    ],
    [
      'ipv6Only "yes"',
      { type: 'udp', remote, ipv6Only: 'yes' },
      /init\.ipv6Only must be a boolean, got "yes"/,
    ],
    [
      'a stack without bind',
      { type: 'udp', remote, stack: { lookup() {} } },
      /init\.stack must be a UdpStack/,
    ],
  ])('%s', (_name, init, message) => {
    expect(make(init)).toThrow(TypeError);
    expect(make(init)).toThrow(message);
  });

  it("type 'quic' is a clear 'not implemented yet' Error, not a TypeError", () => {
    const attempt = make({ type: 'quic', remote });
    expect(attempt).toThrow(/not implemented yet/);
    expect(attempt).not.toThrow(TypeError);
  });

  it('accepts IPv6 literals, host names and a bare local', () => {
    for (const init of [
      { type: 'udp', remote: { address: '::1', port: 1 } },
      { type: 'udp', remote: { address: 'example.invalid', port: 65535 } },
      { type: 'udp', local: {} },
      { type: 'udp', local: { address: '::', port: 0 } },
    ]) {
      const socket = new Socket(init as never);
      socket.abort();
    }
  });
});
