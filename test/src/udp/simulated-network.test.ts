import { describe, expect, it } from 'vitest';
import type { LinkOptions } from '../../../src/udp/simulated-link.js';
import { type SimulatedHost, SimulatedNetwork } from '../../../src/udp/simulated-network.js';
import type { RawUdpSocket } from '../../../src/udp/udp-stack.js';

interface Received {
  at: number;
  data: Uint8Array;
  address: string;
  port: number;
}

async function endpoint(host: SimulatedHost, port = 0) {
  const received: Received[] = [];
  const socket: RawUdpSocket = await host.bind(
    { address: '0.0.0.0', port },
    {
      onMessage: (data, address, p) =>
        received.push({ at: host.clock.now(), data, address, port: p }),
    },
  );
  return { socket, received };
}

/** Two hosts, a link between them, a socket on each. */
async function pair(link: LinkOptions, seed = 1) {
  const net = new SimulatedNetwork({ seed });
  const a = net.host('10.0.0.1');
  const b = net.host('10.0.0.2');
  const pairLink = net.link(a, b, link);
  const client = await endpoint(a, 1000);
  const server = await endpoint(b, 2000);
  const sendMany = (count: number, size = 100, gapMs = 0) => {
    for (let i = 0; i < count; i++) {
      const payload = new Uint8Array(size).fill(i & 0xff);
      payload[0] = i & 0xff;
      payload[1] = i >> 8;
      net.clock.scheduleAt(net.now() + i * gapMs, () =>
        client.socket.send(payload, '10.0.0.2', 2000),
      );
    }
  };
  const id = (r: Received) => r.data[0]! | (r.data[1]! << 8);
  return { net, a, b, link: pairLink, client, server, sendMany, id };
}

const drops = (net: SimulatedNetwork, reason: string) =>
  net.trace.filter((e) => e.event === 'dropped' && e.reason === reason).length;

describe('SimulatedNetwork basics', () => {
  it('delivers with the source address and port, after the one-way delay', async () => {
    const { net, client, server } = await pair({ delayMs: 25 });
    client.socket.send(new Uint8Array([1, 2, 3]), '10.0.0.2', 2000);
    await net.runUntil(() => server.received.length === 1);
    expect(server.received[0]).toEqual({
      at: 25,
      data: new Uint8Array([1, 2, 3]),
      address: '10.0.0.1',
      port: 1000,
    });
    expect(net.trace.map((e) => e.event)).toEqual(['sent', 'delivered']);
    expect(net.trace[1]).toMatchObject({
      timeMs: 25,
      from: '10.0.0.1:1000',
      to: '10.0.0.2:2000',
      bytes: 3,
    });
  });

  it('copies the datagram at send time', async () => {
    const { net, client, server } = await pair({ delayMs: 1 });
    const buffer = new Uint8Array([7]);
    client.socket.send(buffer, '10.0.0.2', 2000);
    buffer[0] = 9;
    await net.runUntilIdle();
    expect(server.received[0]!.data).toEqual(new Uint8Array([7]));
  });

  it('binds port 0 to a dynamic port, refuses a busy port or a foreign address', async () => {
    const net = new SimulatedNetwork();
    const host = net.host('fd00::1');
    const handler = { onMessage() {} };
    const first = await host.bind({ address: '::', port: 0 }, handler);
    expect(first.localPort).toBeGreaterThanOrEqual(49152);
    await expect(
      host.bind({ address: 'fd00::1', port: first.localPort }, handler),
    ).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await expect(host.bind({ address: 'fd00::2', port: 1 }, handler)).rejects.toMatchObject({
      code: 'EADDRNOTAVAIL',
    });
    await first.close();
    await first.close();
    const again = await host.bind({ address: 'fd00::1', port: first.localPort }, handler);
    expect(again.localAddress).toBe('fd00::1');
    expect(() => net.host('fd00:0::1')).toThrow(TypeError);
    expect(() => net.host('not-an-ip')).toThrow(TypeError);
  });

  it('resolves registered names and literals, and rejects others with ENOTFOUND', async () => {
    const net = new SimulatedNetwork();
    const a = net.host('10.0.0.1');
    net.host('10.0.0.2', { names: ['Server.Test'] });
    expect(await a.lookup('server.test')).toEqual(['10.0.0.2']);
    expect(await a.lookup('server.test.')).toEqual(['10.0.0.2']);
    expect(await a.lookup('0:0::1')).toEqual(['::1']);
    await expect(a.lookup('nowhere.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('drops packets to unknown addresses and closed ports, and refuses oversize sends', async () => {
    const { net, client, server } = await pair({});
    client.socket.send(new Uint8Array(1), '10.9.9.9', 1);
    await server.socket.close();
    client.socket.send(new Uint8Array(1), '10.0.0.2', 2000);
    const errors: (Error | null)[] = [];
    client.socket.send(new Uint8Array(65508), '10.0.0.2', 2000, (e) => errors.push(e));
    client.socket.send(new Uint8Array(65507), '10.0.0.2', 2000, (e) => errors.push(e));
    await net.runUntilIdle();
    expect(drops(net, 'no-route')).toBe(1);
    expect(drops(net, 'port-unreachable')).toBe(2);
    expect(errors[0]).toMatchObject({ code: 'EMSGSIZE' });
    expect(errors[1]).toBeNull();
  });

  it('reports a full send queue and drains', async () => {
    const { net, client } = await pair({});
    client.socket.sendQueueLimit = 2;
    expect(client.socket.send(new Uint8Array(1), '10.0.0.2', 2000)).toBe(true);
    expect(client.socket.send(new Uint8Array(1), '10.0.0.2', 2000)).toBe(false);
    expect(client.socket.sendQueueLength).toBe(2);
    await net.runUntilIdle();
    expect(client.socket.sendQueueLength).toBe(0);
  });
});

describe('impairments act', () => {
  it('bandwidth serializes packets and the drop-tail queue drops the overflow', async () => {
    // 1000-byte packets at 1 Mbit/s take 8 ms each; one on the wire plus 3 waiting fit.
    const { net, server, sendMany, id } = await pair({
      bandwidthBps: 1_000_000,
      queuePackets: 3,
      delayMs: 10,
    });
    sendMany(10, 1000);
    await net.runUntilIdle();
    expect(server.received.map((r) => r.at)).toEqual([18, 26, 34, 42]);
    expect(server.received.map(id)).toEqual([0, 1, 2, 3]);
    expect(drops(net, 'queue-full')).toBe(6);
  });

  it('random loss drops about the configured share', async () => {
    const { net, server, sendMany } = await pair({ loss: 0.3 });
    sendMany(2000);
    await net.runUntilIdle();
    expect(drops(net, 'loss')).toBe(2000 - server.received.length);
    expect(server.received.length).toBeGreaterThan(1250);
    expect(server.received.length).toBeLessThan(1550);
  });

  it('caps consecutive losses', async () => {
    const { net, server, sendMany, id } = await pair({ loss: 0.9, maxConsecutiveLosses: 2 });
    sendMany(500);
    await net.runUntilIdle();
    const ids = server.received.map(id);
    let previous = -1;
    for (const current of ids) {
      expect(current - previous - 1).toBeLessThanOrEqual(2);
      previous = current;
    }
    expect(499 - previous).toBeLessThanOrEqual(2);
    expect(drops(net, 'loss')).toBeGreaterThan(250);
  });

  it('duplicates', async () => {
    const { net, server, sendMany, id } = await pair({ duplicate: 1 });
    sendMany(5);
    await net.runUntilIdle();
    expect(server.received.map(id)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(net.trace.filter((e) => e.event === 'duplicated')).toHaveLength(5);
  });

  it('reorders by holding packets back', async () => {
    const { net, server, sendMany, id } = await pair({
      reorder: 0.3,
      reorderDelayMs: 20,
      delayMs: 5,
    });
    sendMany(100, 100, 1);
    await net.runUntilIdle();
    const ids = server.received.map(id);
    expect(ids).toHaveLength(100);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids.map((_, i) => i));
    expect(ids).not.toEqual([...ids].sort((x, y) => x - y));
    const reordered = net.trace.filter((e) => e.event === 'reordered').length;
    expect(reordered).toBeGreaterThan(10);
  });

  it('corrupts one byte among the first N', async () => {
    const { net, server, sendMany } = await pair({ corrupt: { rate: 1, firstBytes: 4 } });
    sendMany(50, 64);
    await net.runUntilIdle();
    expect(server.received).toHaveLength(50);
    const corrupted = net.trace.filter((e) => e.event === 'corrupted');
    expect(corrupted).toHaveLength(50);
    for (const [i, r] of server.received.entries()) {
      const original = new Uint8Array(64).fill(i);
      original[0] = i;
      original[1] = 0;
      const changed = [...r.data.keys()].filter((k) => r.data[k] !== original[k]);
      expect(changed).toEqual([corrupted[i]!.byteIndex]);
      expect(changed[0]).toBeLessThan(4);
    }
  });

  it('blackholes the link for downMs every everyMs', async () => {
    const { net, server, sendMany, id } = await pair({ blackhole: { downMs: 100, everyMs: 1000 } });
    sendMany(2000, 10, 1); // one packet per ms for 2 s
    await net.runUntilIdle();
    const lost = new Set(
      Array.from({ length: 2000 }, (_, i) => i).filter(
        (i) => !server.received.some((r) => id(r) === i),
      ),
    );
    const expected = Array.from({ length: 2000 }, (_, i) => i).filter((t) => t % 1000 >= 900);
    expect([...lost]).toEqual(expected);
    expect(drops(net, 'blackhole')).toBe(200);
  });

  it('drops packets over the MTU, on a down link, and those a filter refuses', async () => {
    const { net, server, client, link } = await pair({
      mtu: 1200,
      filter: (p) => p.data[0] !== 0xee,
    });
    client.socket.send(new Uint8Array(1201), '10.0.0.2', 2000);
    client.socket.send(new Uint8Array([0xee]), '10.0.0.2', 2000);
    client.socket.send(new Uint8Array(1200), '10.0.0.2', 2000);
    await net.runUntilIdle();
    link.update({ down: true });
    client.socket.send(new Uint8Array(1), '10.0.0.2', 2000);
    await net.runUntilIdle();
    expect(server.received).toHaveLength(1);
    expect([drops(net, 'too-big'), drops(net, 'filtered'), drops(net, 'down')]).toEqual([1, 1, 1]);
    expect(() => link.update({ loss: 2 })).toThrow(/loss/);
  });

  it('applies one-way links to one direction only', async () => {
    const net = new SimulatedNetwork();
    const a = net.host('10.0.0.1');
    const b = net.host('10.0.0.2');
    net.linkOneWay(a, b, { down: true });
    const x = await endpoint(a, 1);
    const y = await endpoint(b, 2);
    x.socket.send(new Uint8Array(1), '10.0.0.2', 2);
    y.socket.send(new Uint8Array(1), '10.0.0.1', 1);
    await net.runUntilIdle();
    expect([x.received.length, y.received.length]).toEqual([1, 0]);
  });

  it('rejects bad link options with a TypeError naming them', () => {
    const net = new SimulatedNetwork();
    const a = net.host('10.0.0.1');
    const b = net.host('10.0.0.2');
    expect(() => net.link(a, b, { delayMs: -1 })).toThrow(/delayMs/);
    expect(() => net.link(a, b, { blackhole: { downMs: 5, everyMs: 2 } })).toThrow(/downMs/);
    expect(() => net.link(a, b, { corrupt: { rate: 1.5 } })).toThrow(/corrupt.rate/);
    expect(() => new SimulatedNetwork({ defaultLink: { duplicate: -1 } })).toThrow(/duplicate/);
  });
});

describe('rebinding', () => {
  it('changes the address peers see; replies reach the new address, the old one is gone', async () => {
    const { net, a, client, server } = await pair({ delayMs: 5 });
    client.socket.send(new Uint8Array([1]), '10.0.0.2', 2000);
    await net.runUntilIdle();
    a.rebind({ address: '10.0.0.99' });
    client.socket.send(new Uint8Array([2]), '10.0.0.2', 2000);
    await net.runUntilIdle();
    expect(server.received.map((r) => r.address)).toEqual(['10.0.0.1', '10.0.0.99']);
    expect(client.socket.localAddress).toBe('0.0.0.0');
    server.socket.send(new Uint8Array([3]), '10.0.0.99', 1000);
    server.socket.send(new Uint8Array([4]), '10.0.0.1', 1000);
    await net.runUntilIdle();
    expect(client.received.map((r) => r.data[0])).toEqual([3]);
    expect(drops(net, 'no-route')).toBe(1);
    expect(
      net.trace.some((e) => e.event === 'rebound' && e.from === '10.0.0.1' && e.to === '10.0.0.99'),
    ).toBe(true);
  });

  it('changes the ports peers see', async () => {
    const { net, a, client, server } = await pair({});
    a.rebind({ ports: true });
    client.socket.send(new Uint8Array([1]), '10.0.0.2', 2000);
    await net.runUntilIdle();
    const newPort = server.received[0]!.port;
    expect(newPort).not.toBe(1000);
    server.socket.send(new Uint8Array([2]), '10.0.0.1', newPort);
    server.socket.send(new Uint8Array([3]), '10.0.0.1', 1000);
    await net.runUntilIdle();
    expect(client.received.map((r) => r.data[0])).toEqual([2]);
    expect(drops(net, 'port-unreachable')).toBe(1);
  });

  it('packets in flight to an old address are lost', async () => {
    const { net, b, client, server } = await pair({ delayMs: 10 });
    client.socket.send(new Uint8Array([1]), '10.0.0.2', 2000);
    await net.run(5);
    b.rebind({ address: '10.0.0.3' });
    await net.runUntilIdle();
    expect(server.received).toHaveLength(0);
    expect(drops(net, 'no-route')).toBe(1);
  });
});

describe('determinism', () => {
  const script = async (seed: number) => {
    const { net, sendMany, a } = await pair(
      {
        delayMs: 3,
        bandwidthBps: 2_000_000,
        queuePackets: 5,
        loss: 0.1,
        maxConsecutiveLosses: 3,
        duplicate: 0.05,
        reorder: 0.1,
        corrupt: { rate: 0.05, firstBytes: 8 },
        blackhole: { downMs: 20, everyMs: 200 },
      },
      seed,
    );
    sendMany(300, 500, 1);
    await net.run(150);
    a.rebind({ ports: true });
    await net.runUntilIdle();
    return net.trace;
  };

  it('equal seeds give equal traces, different seeds different ones', async () => {
    const first = await script(42);
    const second = await script(42);
    const other = await script(43);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    const kinds = new Set(
      first.map((e) => (e.event === 'dropped' ? `dropped:${e.reason}` : e.event)),
    );
    for (const kind of [
      'sent',
      'delivered',
      'dropped:loss',
      'dropped:queue-full',
      'dropped:blackhole',
      'duplicated',
      'reordered',
      'corrupted',
      'rebound',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it('randomBytes is reproducible too', () => {
    expect(new SimulatedNetwork({ seed: 5 }).randomBytes(8)).toEqual(
      new SimulatedNetwork({ seed: 5 }).randomBytes(8),
    );
  });
});

describe('running', () => {
  it('runUntil with a promise returns its value on virtual time', async () => {
    const net = new SimulatedNetwork();
    const value = await net.runUntil(
      new Promise<string>((resolve) => net.clock.setTimer(1500, () => resolve('done'))),
    );
    expect(value).toBe('done');
    expect(net.now()).toBe(1500);
    await expect(
      net.runUntil(
        new Promise((_, reject) => net.clock.setTimer(1, () => reject(new Error('nope')))),
      ),
    ).rejects.toThrow('nope');
  });

  it('runUntil throws when nothing is left to run or time runs out', async () => {
    const net = new SimulatedNetwork();
    await expect(net.runUntil(() => false)).rejects.toThrow(/nothing left/);
    net.clock.setTimer(10_000, () => {});
    await expect(net.runUntil(() => false, { maxTimeMs: 500 })).rejects.toThrow(/500 ms/);
    expect(net.now()).toBe(500);
    const tick = () => net.clock.setTimer(1, tick);
    tick();
    await expect(net.runUntil(() => false, { maxEvents: 100 })).rejects.toThrow(/100 events/);
  });

  it('run(ms) processes events up to then and stops there', async () => {
    const net = new SimulatedNetwork();
    const fired: number[] = [];
    net.clock.setTimer(10, () => fired.push(10));
    net.clock.setTimer(30, () => fired.push(30));
    await net.run(20);
    expect(fired).toEqual([10]);
    expect(net.now()).toBe(20);
  });

  it('keeps at most traceLimit entries', async () => {
    const net = new SimulatedNetwork({ traceLimit: 3 });
    const a = net.host('10.0.0.1');
    const s = await endpoint(a, 1);
    for (let i = 0; i < 5; i++) s.socket.send(new Uint8Array([i]), '10.0.0.1', 1);
    await net.runUntilIdle();
    expect(net.trace).toHaveLength(3);
    expect(s.received).toHaveLength(5);
    net.clearTrace();
    expect(net.trace).toHaveLength(0);
  });
});
