// interop/relay.ts over real UDP on loopback: an echo server behind the
// relay. No timing assertions: waits are bounded, outcomes are counted.
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { coalescedPacketTypes, Relay, type RelayOptions } from '../../interop/relay.js';
import { PacketType } from '../../quic/packet/packet-type.js';

let relay: Relay | undefined;
let sockets: DgramSocket[] = [];

afterEach(async () => {
  await relay?.close();
  relay = undefined;
  for (const s of sockets) s.close();
  sockets = [];
});

async function bound(): Promise<DgramSocket> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** An echo server, the relay in front of it, and a client socket collecting echoes. */
async function setup(options: Omit<RelayOptions, 'server'>) {
  const echo = await bound();
  echo.on('message', (data, from) => echo.send(data, from.port, from.address));
  relay = await Relay.start({
    server: { address: '127.0.0.1', port: echo.address().port },
    ...options,
  });
  const client = await bound();
  const echoes: Buffer[] = [];
  client.on('message', (data) => echoes.push(data));
  const port = relay.port;
  const send = (data: Uint8Array) => client.send(data, port, '127.0.0.1');
  return { echoes, send };
}

async function until(condition: () => boolean, limitMs = 5000): Promise<void> {
  for (let waited = 0; !condition() && waited < limitMs; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const datagram = (i: number) => new Uint8Array(100).fill(i);

describe('Relay', () => {
  it('forwards both ways unchanged without impairments, in order', async () => {
    const { echoes, send } = await setup({});
    for (let i = 1; i <= 20; i++) send(datagram(i));
    await until(() => echoes.length === 20);
    expect(echoes.map((e) => e[0])).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(relay!.counters['to-server'].forwarded).toBe(20);
    expect(relay!.counters['to-client'].forwarded).toBe(20);
  });

  it('loss with a burst cap: at most 3 drops in a row, the next datagram passes', async () => {
    const { echoes, send } = await setup({ toServer: { loss: 1, maxConsecutiveLosses: 3 } });
    for (let i = 1; i <= 8; i++) send(datagram(i));
    await until(() => echoes.length === 2);
    const fates = relay!.log.filter((e) => e.direction === 'to-server').map((e) => e.fate);
    expect(fates).toEqual([
      'loss',
      'loss',
      'loss',
      'forwarded',
      'loss',
      'loss',
      'loss',
      'forwarded',
    ]);
    expect(echoes.map((e) => e[0])).toEqual([4, 8]);
  });

  it('corrupts exactly one byte among the first N', async () => {
    const { echoes, send } = await setup({
      seed: 3,
      toServer: { corrupt: { rate: 1, firstBytes: 4 } },
    });
    for (let i = 1; i <= 10; i++) send(datagram(i));
    await until(() => echoes.length === 10);
    expect(echoes).toHaveLength(10);
    for (const echo of echoes) {
      const original = datagram(echo[50]!);
      const changed = [...echo.keys()].filter((k) => echo[k] !== original[k]);
      expect(changed).toHaveLength(1);
      expect(changed[0]).toBeLessThan(4);
    }
    expect(relay!.counters['to-server'].corrupted).toBe(10);
  });

  it('a filter drops chosen datagrams (the amplificationlimit scenario: 2 to 7)', async () => {
    const { echoes, send } = await setup({ toServer: { filter: (p) => p.id < 2 || p.id > 7 } });
    for (let i = 1; i <= 9; i++) send(datagram(i));
    await until(() => echoes.length === 3);
    expect(echoes.map((e) => e[0])).toEqual([1, 8, 9]);
  });

  it('a blackhole from the start drops everything while down', async () => {
    const { echoes, send } = await setup({
      link: { blackhole: { downMs: 60_000, everyMs: 60_000 } },
    });
    for (let i = 1; i <= 5; i++) send(datagram(i));
    await until(() => relay!.counters['to-server'].received === 5);
    expect(relay!.log.every((e) => e.fate === 'blackhole')).toBe(true);
    expect(echoes).toHaveLength(0);
  });
});

describe('coalescedPacketTypes', () => {
  it('reads an Initial long header and stops at bytes that are not a packet', () => {
    // RFC 9000 §17.2.2: 0xc0 | type 0, version 1, DCID 8 bytes, SCID 0, token 0, length 2.
    const initial = Uint8Array.of(0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 2, 0, 0);
    expect(coalescedPacketTypes(initial)).toEqual([PacketType.Initial]);
    expect(coalescedPacketTypes(Uint8Array.of(0x00, 1, 2))).toEqual([]);
  });
});
