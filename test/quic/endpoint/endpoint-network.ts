// A server Endpoint and any number of client Connections on a virtual
// clock, for endpoint tests: datagrams travel with a fixed delay through a
// hook that may drop or rewrite them; every connection's timers fire in
// time order. Server connections are driven like the I/O shell drives them:
// pollTransmit to their remote, forget() after 'terminated'.
import { Connection } from '../../../quic/connection/connection.js';
import type { ConnectionEvent } from '../../../quic/connection/connection-events.js';
import type { ClientConnectionOptions } from '../../../quic/connection/connection-options.js';
import type { RemoteAddress } from '../../../quic/endpoint/connection-table.js';
import { Endpoint } from '../../../quic/endpoint/endpoint.js';
import type { EndpointOptions } from '../../../quic/endpoint/endpoint-options.js';
import { leaf, NOW, random, root, testKey } from '../../fixtures/tls/chains.js';

export const ca = root(testKey('ec-p256', 'root'));
export const serverLeaf = leaf(testKey('ec-p256', 'leaf'), ca);
export const SERVER: RemoteAddress = { address: '10.0.0.1', port: 443 };

export interface Datagram {
  from: RemoteAddress;
  to: RemoteAddress;
  data: Uint8Array;
}

interface InFlight extends Datagram {
  at: number;
}

export interface Client {
  address: RemoteAddress;
  connection: Connection;
  events: ConnectionEvent[];
}

export function serverTls(chain: Uint8Array[] = [serverLeaf.der]): EndpointOptions['tls'] {
  return { certificate: { chain, key: testKey('ec-p256', 'leaf') }, alpn: ['hq-interop'] };
}

export class EndpointNetwork {
  now = 1000;
  readonly endpoint: Endpoint;
  readonly clients: Client[] = [];
  readonly serverConnections: {
    connection: Connection;
    remote: RemoteAddress;
    events: ConnectionEvent[];
  }[] = [];
  /** Every datagram handed to the network, in order (before `tamper`). */
  readonly log: Datagram[] = [];
  /** Return undefined to drop a datagram, or a (possibly rewritten) one to deliver. */
  tamper: (d: Datagram) => Datagram | undefined = (d) => d;
  delayMs = 10;
  private readonly queue: InFlight[] = [];

  constructor(options: Partial<EndpointOptions> = {}) {
    this.endpoint = new Endpoint({
      random,
      currentTimeMs: () => NOW,
      tls: serverTls(),
      ...options,
    });
  }

  addClient(address: RemoteAddress, options: Partial<ClientConnectionOptions> = {}): Client {
    const connection = new Connection(
      {
        role: 'client',
        random,
        currentTimeMs: NOW,
        tls: {
          serverName: 'server.example',
          alpn: ['hq-interop'],
          verification: { trustAnchors: [ca.der] },
        },
        ...options,
      },
      this.now,
    );
    const client = { address, connection, events: [] };
    this.clients.push(client);
    return client;
  }

  /** Hands a datagram to the network as if `from` sent it to the server. */
  inject(from: RemoteAddress, data: Uint8Array): void {
    this.send({ from, to: SERVER, data });
  }

  /** Moves datagrams and fires timers until `done()` or `maxMs` of virtual time pass. */
  run(done: () => boolean = () => false, maxMs = 30_000): void {
    const end = this.now + maxMs;
    for (let steps = 0; steps < 1_000_000; steps++) {
      this.flush();
      if (done()) return;
      const next = this.nextEventTime();
      if (next === undefined || next > end) {
        this.now = Math.max(this.now, end);
        return;
      }
      this.now = Math.max(this.now, next);
      this.deliverDue();
      this.fireTimers();
    }
    throw new Error('EndpointNetwork.run: step limit');
  }

  /** Bytes the server sent to `to`. */
  bytesSentTo(to: RemoteAddress): number {
    let n = 0;
    for (const d of this.log) if (same(d.from, SERVER) && same(d.to, to)) n += d.data.length;
    return n;
  }

  datagramsTo(to: RemoteAddress): Uint8Array[] {
    return this.log.filter((d) => same(d.from, SERVER) && same(d.to, to)).map((d) => d.data);
  }

  private flush(): void {
    const ep = this.endpoint;
    for (let t = ep.pollTransmit(); t; t = ep.pollTransmit()) {
      this.send({ from: SERVER, to: t.to, data: t.data });
    }
    for (let e = ep.pollEvent(); e; e = ep.pollEvent()) {
      this.serverConnections.push({ connection: e.connection, remote: e.remote, events: [] });
    }
    for (const client of this.clients) {
      const c = client.connection;
      for (let d = c.pollTransmit(this.now); d; d = c.pollTransmit(this.now)) {
        this.send({ from: client.address, to: SERVER, data: d });
      }
      for (let e = c.pollEvent(); e; e = c.pollEvent()) client.events.push(e);
    }
    for (const server of this.serverConnections) {
      const c = server.connection;
      for (let d = c.pollTransmit(this.now); d; d = c.pollTransmit(this.now)) {
        this.send({ from: SERVER, to: server.remote, data: d });
      }
      for (let e = c.pollEvent(); e; e = c.pollEvent()) {
        server.events.push(e);
        if (e.type === 'terminated') ep.forget(c);
      }
      ep.update(this.now, c);
    }
  }

  private send(d: Datagram): void {
    const copy = { from: d.from, to: d.to, data: d.data.slice() };
    this.log.push(copy);
    const delivered = this.tamper(copy);
    if (delivered) this.queue.push({ ...delivered, at: this.now + this.delayMs });
  }

  private nextEventTime(): number | undefined {
    let next: number | undefined;
    const consider = (t: number | undefined) => {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    };
    for (const f of this.queue) consider(f.at);
    for (const c of this.connections()) consider(c.nextTimeout());
    return next;
  }

  private *connections(): Generator<Connection> {
    for (const c of this.clients) yield c.connection;
    for (const s of this.serverConnections) yield s.connection;
  }

  private deliverDue(): void {
    this.queue.sort((a, b) => a.at - b.at);
    while (this.queue.length > 0 && this.queue[0]!.at <= this.now) {
      const f = this.queue.shift()!;
      if (same(f.to, SERVER)) {
        this.endpoint.receive(this.now, f.from, f.data);
      } else {
        const client = this.clients.find((c) => same(c.address, f.to));
        client?.connection.receive(this.now, f.data);
      }
    }
  }

  private fireTimers(): void {
    for (const c of this.connections()) {
      const t = c.nextTimeout();
      if (t !== undefined && t <= this.now) c.handleTimeout(this.now);
    }
  }
}

export function same(a: RemoteAddress, b: RemoteAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

export function connected(client: Client): boolean {
  return client.events.some((e) => e.type === 'connected');
}

export function closedInfo(client: Client) {
  return client.connection.closeInfo;
}
