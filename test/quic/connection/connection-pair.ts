// Two sans-IO connections wired back to back on a virtual clock, for
// connection tests: datagrams move through a scripted link that can delay,
// drop or corrupt them; timers fire in time order.
import { Connection } from '../../../quic/connection/connection.js';
import type { ConnectionEvent } from '../../../quic/connection/connection-events.js';
import type {
  ClientConnectionOptions,
  ServerConnectionOptions,
} from '../../../quic/connection/connection-options.js';
import { parsePacketHeader } from '../../../quic/packet/packet-header.js';
import { QUIC_V1 } from '../../../quic/version.js';
import { leaf, NOW, random, root, testKey } from '../../fixtures/tls/chains.js';

const ca = root(testKey('ec-p256', 'root'));
const serverLeaf = leaf(testKey('ec-p256', 'leaf'), ca);

export interface LinkOptions {
  delayMs?: number;
  /** Return true to drop this datagram (index counts datagrams in this direction). */
  drop?: (index: number, datagram: Uint8Array) => boolean;
}

interface InFlight {
  at: number;
  to: 'client' | 'server';
  data: Uint8Array;
}

export class ConnectionPair {
  now = 1000;
  client: Connection;
  server: Connection | undefined;
  readonly clientEvents: ConnectionEvent[] = [];
  readonly serverEvents: ConnectionEvent[] = [];
  private readonly queue: InFlight[] = [];
  private readonly sent = { client: 0, server: 0 };
  readonly delivered = { client: 0, server: 0 };
  private readonly serverOptions: Partial<ServerConnectionOptions>;

  constructor(
    clientOptions: Partial<ClientConnectionOptions> = {},
    serverOptions: Partial<ServerConnectionOptions> = {},
    private readonly link: { toServer?: LinkOptions; toClient?: LinkOptions } = {},
  ) {
    this.serverOptions = serverOptions;
    this.client = new Connection(
      {
        role: 'client',
        random,
        currentTimeMs: NOW,
        tls: {
          serverName: 'server.example',
          alpn: ['hq-interop'],
          verification: { trustAnchors: [ca.der] },
        },
        ...clientOptions,
      },
      this.now,
    );
  }

  private createServer(datagram: Uint8Array): Connection {
    const header = parsePacketHeader(datagram, 0, 8)!;
    return new Connection(
      {
        role: 'server',
        random,
        currentTimeMs: NOW,
        version: QUIC_V1,
        originalDcid: header.dcid.slice(),
        clientDcid: header.dcid.slice(),
        clientScid: header.scid.slice(),
        tls: {
          certificate: { chain: [serverLeaf.der], key: testKey('ec-p256', 'leaf') },
          alpn: ['hq-interop'],
        },
        ...this.serverOptions,
      },
      this.now,
    );
  }

  /** Moves datagrams and fires timers until `done()` or `maxMs` of virtual time. */
  run(done: () => boolean, maxMs = 60_000): void {
    const end = this.now + maxMs;
    for (let steps = 0; steps < 1_000_000; steps++) {
      this.flush();
      if (done()) return;
      const next = this.nextEventTime();
      if (next === undefined || next > end) return;
      this.now = Math.max(this.now, next);
      this.deliverDue();
      this.fireTimers();
    }
    throw new Error('ConnectionPair.run: step limit');
  }

  private flush(): void {
    for (const [side, conn] of this.sides()) {
      for (let d = conn.pollTransmit(this.now); d; d = conn.pollTransmit(this.now)) {
        this.send(side, d);
      }
      const events = side === 'client' ? this.clientEvents : this.serverEvents;
      for (let e = conn.pollEvent(); e; e = conn.pollEvent()) events.push(e);
    }
  }

  private send(from: 'client' | 'server', data: Uint8Array): void {
    const link = from === 'client' ? this.link.toServer : this.link.toClient;
    const index = this.sent[from]++;
    if (link?.drop?.(index, data)) return;
    this.queue.push({
      at: this.now + (link?.delayMs ?? 10),
      to: from === 'client' ? 'server' : 'client',
      data: data.slice(),
    });
  }

  private sides(): ['client' | 'server', Connection][] {
    const out: ['client' | 'server', Connection][] = [['client', this.client]];
    if (this.server) out.push(['server', this.server]);
    return out;
  }

  private nextEventTime(): number | undefined {
    let next: number | undefined;
    for (const f of this.queue) if (next === undefined || f.at < next) next = f.at;
    for (const [, conn] of this.sides()) {
      const t = conn.nextTimeout();
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  private deliverDue(): void {
    this.queue.sort((a, b) => a.at - b.at);
    while (this.queue.length > 0 && this.queue[0]!.at <= this.now) {
      const f = this.queue.shift()!;
      if (f.to === 'server') {
        this.server ??= this.createServer(f.data);
        this.server.receive(this.now, f.data);
      } else {
        this.client.receive(this.now, f.data);
      }
      this.delivered[f.to]++;
    }
  }

  private fireTimers(): void {
    for (const [, conn] of this.sides()) {
      const t = conn.nextTimeout();
      if (t !== undefined && t <= this.now) conn.handleTimeout(this.now);
    }
  }
}
