import { describe, expect, it } from 'vitest';
import { TransportErrorCode } from '../../../quic/errors.js';
import { parsePacketHeader } from '../../../quic/packet/packet-header.js';
import { PacketType } from '../../../quic/packet/packet-type.js';
import { decodeVersionNegotiation } from '../../../quic/packet/version-negotiation.js';
import { QUIC_V1, SUPPORTED_VERSIONS } from '../../../quic/version.js';
import { random } from '../../fixtures/tls/chains.js';
import {
  type Client,
  closedInfo,
  connected,
  EndpointNetwork,
  SERVER,
  same,
  serverLeaf,
  serverTls,
} from './endpoint-network.js';

const A = { address: '192.0.2.1', port: 5000 };
const B = { address: '192.0.2.2', port: 6000 };

/** A long-header packet of `size` bytes whose header parses; the payload is noise. */
function fakeLongHeader(size: number, version: number, type = 0): Uint8Array {
  const out = random(size);
  out[0] = 0xc0 | (type << 4);
  out[1] = version >>> 24;
  out[2] = (version >>> 16) & 0xff;
  out[3] = (version >>> 8) & 0xff;
  out[4] = version & 0xff;
  out[5] = 8; // DCID length
  out[14] = 8; // SCID length
  out[23] = 0; // token length (Initial)
  const length = size - 26;
  out[24] = 0x40 | (length >> 8);
  out[25] = length & 0xff;
  return out;
}

function firstDatagramOf(net: EndpointNetwork, client: Client): Uint8Array {
  return net.log.find((d) => same(d.from, client.address))!.data;
}

function exchange(net: EndpointNetwork, client: Client, bytes: number): Uint8Array {
  const id = client.connection.openStream(true)!;
  client.connection.streamWrite(id, random(bytes), true);
  let received = new Uint8Array(0);
  net.run(() => {
    const server = net.serverConnections.find((s) => same(s.remote, client.address));
    const opened = server?.events.some((e) => e.type === 'stream');
    const result = opened ? server!.connection.streamRead(id, 1 << 20, net.now) : null;
    if (result && 'data' in result && result.data.length > 0) {
      const next = new Uint8Array(received.length + result.data.length);
      next.set(received);
      next.set(result.data, received.length);
      received = next;
    }
    return received.length === bytes;
  });
  return received;
}

describe('Endpoint: accepting connections', () => {
  it('routes a handshake and stream data to a new connection, then sends NEW_TOKEN', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    const client = net.addClient(A);
    net.run(() => connected(client) && client.events.some((e) => e.type === 'new-token'));
    expect(connected(client)).toBe(true);
    expect(net.endpoint.stats.connectionsAccepted).toBe(1);
    expect(net.endpoint.connectionCount).toBe(1);
    expect(net.endpoint.handshakeCount).toBe(0);
    expect(exchange(net, client, 50_000).length).toBe(50_000);
  });

  it('drops a small Initial datagram even for a known connection', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    const client = net.addClient(A);
    net.run(() => net.serverConnections.length > 0, 1_000);
    const first = firstDatagramOf(net, client);
    const before = net.serverConnections[0]!.connection.stats.bytesReceived;
    expect(net.endpoint.receive(net.now, A, first.subarray(0, 600))).toBeUndefined();
    expect(net.endpoint.stats.datagramsDropped['initial-too-small']).toBe(1);
    expect(net.serverConnections[0]!.connection.stats.bytesReceived).toBe(before);
  });

  it('routes packets sent to every connection ID the server issued, and not to retired ones', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    const client = net.addClient(A);
    net.run(() => connected(client));
    net.run(undefined, 200);
    const server = net.serverConnections[0]!.connection;
    const issued = server.localCids.all();
    expect(issued.length).toBeGreaterThan(1);
    for (const { cid } of issued) {
      const packet = new Uint8Array(60);
      packet[0] = 0x40;
      packet.set(cid, 1);
      expect(net.endpoint.receive(net.now, A, packet)).toBe(server);
    }
    const retired = issued[1]!;
    server.localCids.onRetire(retired.sequence, issued[0]!.cid);
    net.endpoint.update(net.now, server);
    const packet = new Uint8Array(60);
    packet[0] = 0x40;
    packet.set(retired.cid, 1);
    const resetsBefore = net.endpoint.stats.statelessResetsSent;
    expect(net.endpoint.receive(net.now, A, packet)).toBeUndefined();
    expect(net.endpoint.stats.statelessResetsSent).toBe(resetsBefore + 1);
  });

  it('gives a client the transport parameters and CIDs it authenticates after a Retry', () => {
    const net = new EndpointNetwork({ retry: 'always' });
    const client = net.addClient(A);
    net.run(() => connected(client));
    expect(connected(client)).toBe(true);
    expect(net.endpoint.stats.retriesSent).toBe(1);
    expect(net.endpoint.stats.connectionsAccepted).toBe(1);
    // The Retry-validated address lifts the anti-amplification limit at once.
    expect(net.serverConnections[0]!.connection.addressValidated).toBe(true);
    expect(exchange(net, client, 10_000).length).toBe(10_000);
  });

  it('accepts a NEW_TOKEN token instead of sending Retry, from the same IP on another port', () => {
    const net = new EndpointNetwork({ retry: 'always' });
    const first = net.addClient(A);
    net.run(() => first.events.some((e) => e.type === 'new-token'));
    const tokenEvent = first.events.find((e) => e.type === 'new-token');
    if (tokenEvent?.type !== 'new-token') throw new Error('no NEW_TOKEN');
    const second = net.addClient(
      { address: A.address, port: A.port + 1 },
      { token: tokenEvent.token },
    );
    net.run(() => connected(second));
    expect(connected(second)).toBe(true);
    expect(net.endpoint.stats.retriesSent).toBe(1);
    expect(net.serverConnections[1]!.connection.addressValidated).toBe(true);
  });

  it('treats a NEW_TOKEN token from another IP as no token: a fresh Retry, then success', () => {
    const net = new EndpointNetwork({ retry: 'always' });
    const first = net.addClient(A);
    net.run(() => first.events.some((e) => e.type === 'new-token'));
    const tokenEvent = first.events.find((e) => e.type === 'new-token');
    if (tokenEvent?.type !== 'new-token') throw new Error('no NEW_TOKEN');
    const other = net.addClient(B, { token: tokenEvent.token });
    net.run(() => connected(other));
    expect(connected(other)).toBe(true);
    expect(net.endpoint.stats.retriesSent).toBe(2);
    expect(net.endpoint.stats.invalidTokens).toBe(0);
  });

  it('answers a forged Retry token with INVALID_TOKEN and keeps no state', () => {
    const net = new EndpointNetwork({ retry: 'always' });
    const forged = random(60);
    forged[0] = 0x52; // claims to be a Retry token
    const client = net.addClient(A, { token: forged });
    net.run(() => closedInfo(client) !== undefined, 5_000);
    expect(closedInfo(client)?.code).toBe(BigInt(TransportErrorCode.INVALID_TOKEN));
    expect(net.endpoint.stats.invalidTokens).toBe(1);
    expect(net.endpoint.connectionCount).toBe(0);
  });

  it('answers an expired Retry token with INVALID_TOKEN', () => {
    const net = new EndpointNetwork({ retry: 'always', tokenLifetimes: { retryMs: 5 } });
    const client = net.addClient(A);
    net.run(() => closedInfo(client) !== undefined, 5_000);
    expect(net.endpoint.stats.retriesSent).toBe(1);
    expect(closedInfo(client)?.code).toBe(BigInt(TransportErrorCode.INVALID_TOKEN));
    expect(net.endpoint.connectionCount).toBe(0);
  });

  it('answers a Retry token presented from another address with INVALID_TOKEN', () => {
    const net = new EndpointNetwork({ retry: 'always' });
    const client = net.addClient(A);
    let stolen: Uint8Array | undefined;
    net.tamper = (d) => {
      const header = same(d.from, A) ? parsePacketHeader(d.data, 0, 8) : undefined;
      if (header?.packetType === PacketType.Initial && header.token.length > 0) {
        stolen ??= d.data;
        return undefined;
      }
      return d;
    };
    net.run(() => stolen !== undefined, 2_000);
    expect(stolen).toBeDefined();
    expect(net.endpoint.receive(net.now, B, stolen!)).toBeUndefined();
    expect(net.endpoint.stats.invalidTokens).toBe(1);
    const reply = net.endpoint.pollTransmit();
    expect(reply?.to).toEqual(B);
    expect(net.endpoint.connectionCount).toBe(0);
    expect(client.connection.state).toBe('handshake');
  });

  it('ignores coalesced packets with another connection ID and completes the handshake', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    const client = net.addClient(A);
    let appended = false;
    net.tamper = (d) => {
      if (appended || !same(d.from, A)) return d;
      appended = true;
      const foreign = fakeLongHeader(100, QUIC_V1);
      const both = new Uint8Array(d.data.length + foreign.length);
      both.set(d.data);
      both.set(foreign, d.data.length);
      return { ...d, data: both };
    };
    net.run(() => connected(client));
    expect(connected(client)).toBe(true);
    expect(net.serverConnections[0]!.connection.stats.packetsDropped).toBeGreaterThan(0);
  });
});

describe('Endpoint: what it does not answer, or answers statelessly', () => {
  it('drops an Initial in a datagram under 1200 bytes', () => {
    const net = new EndpointNetwork();
    for (const size of [40, 600, 1199]) {
      expect(net.endpoint.receive(net.now, A, fakeLongHeader(size, QUIC_V1))).toBeUndefined();
    }
    expect(net.endpoint.stats.datagramsDropped['initial-too-small']).toBe(3);
    expect(net.endpoint.pollTransmit()).toBeUndefined();
    expect(net.endpoint.connectionCount).toBe(0);
  });

  it('keeps no state for Initials that do not authenticate (noise, corruption)', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    for (let i = 0; i < 300; i++) {
      const from = { address: `198.51.100.${i % 250}`, port: 1000 + i };
      expect(net.endpoint.receive(net.now, from, fakeLongHeader(1200, QUIC_V1))).toBeUndefined();
    }
    expect(net.endpoint.connectionCount).toBe(0);
    expect(net.endpoint.handshakeCount).toBe(0);
    expect(net.endpoint.stats.datagramsDropped['unauthenticated-initial']).toBe(300);
    expect(net.endpoint.pollTransmit()).toBeUndefined();
    // A corrupted first Initial does not stop the same client from connecting.
    const client = net.addClient(A);
    let corrupted = false;
    net.tamper = (d) => {
      if (corrupted || !same(d.from, A)) return d;
      corrupted = true;
      const data = d.data.slice();
      data[100]! ^= 0xff;
      return { ...d, data };
    };
    net.run(() => connected(client));
    expect(connected(client)).toBe(true);
    expect(net.endpoint.stats.datagramsDropped['unauthenticated-initial']).toBe(301);
  });

  it('sends one Version Negotiation for an unknown version in a datagram of 1200 bytes', () => {
    const net = new EndpointNetwork();
    const probe = fakeLongHeader(1200, 0x1a2a3a4a);
    net.endpoint.receive(net.now, A, probe);
    const reply = net.endpoint.pollTransmit();
    expect(net.endpoint.pollTransmit()).toBeUndefined();
    expect(reply?.to).toEqual(A);
    const vn = decodeVersionNegotiation(reply!.data)!;
    expect(vn.versions).toEqual([...SUPPORTED_VERSIONS]);
    expect(vn.dcid).toEqual(probe.subarray(15, 23));
    expect(vn.scid).toEqual(probe.subarray(6, 14));
    expect(reply!.data.length).toBeLessThan(probe.length);
    expect(net.endpoint.stats.versionNegotiationsSent).toBe(1);
  });

  it('drops an unknown version under 1200 bytes and never answers Version Negotiation', () => {
    const net = new EndpointNetwork();
    net.endpoint.receive(net.now, A, fakeLongHeader(1199, 0x1a2a3a4a));
    net.endpoint.receive(net.now, A, fakeLongHeader(1200, 0));
    expect(net.endpoint.pollTransmit()).toBeUndefined();
    expect(net.endpoint.stats.datagramsDropped['unsupported-version-too-small']).toBe(1);
    expect(net.endpoint.stats.datagramsDropped['version-negotiation-received']).toBe(1);
  });

  it('moves a client offering a reserved version to v1', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    const client = net.addClient(A, { firstFlightVersion: 0x1a2a3a4a, version: QUIC_V1 });
    net.run(() => connected(client));
    expect(connected(client)).toBe(true);
    expect(net.endpoint.stats.versionNegotiationsSent).toBe(1);
  });

  it('sends no stateless reset for unknown short-header packets under 22 bytes', () => {
    const net = new EndpointNetwork();
    for (let size = 1; size <= 21; size++) {
      const packet = random(size);
      packet[0] = 0x40 | (packet[0]! & 0x3f);
      net.endpoint.receive(net.now, A, packet);
    }
    expect(net.endpoint.pollTransmit()).toBeUndefined();
    expect(net.endpoint.stats.statelessResetsSent).toBe(0);
  });

  it('sends a stateless reset, smaller than its trigger, carrying the CID token', () => {
    const net = new EndpointNetwork();
    for (const size of [22, 30, 43, 44, 200, 1400]) {
      const packet = random(size);
      packet[0] = 0x40 | (packet[0]! & 0x3f);
      net.endpoint.receive(net.now, A, packet);
      const reset = net.endpoint.pollTransmit()!;
      expect(reset.data.length).toBeLessThan(size);
      expect(reset.data.length).toBeGreaterThanOrEqual(21);
      expect(reset.data[0]! & 0xc0).toBe(0x40);
      expect(reset.data.subarray(-16)).toEqual(net.endpoint.resetTokenFor(packet.subarray(1, 9)));
    }
  });

  it('limits stateless resets per second', () => {
    const net = new EndpointNetwork({ limits: { statelessResetsPerSecond: 10 } });
    const burst = () => {
      for (let i = 0; i < 50; i++) {
        const packet = random(60);
        packet[0] = 0x40;
        net.endpoint.receive(net.now, A, packet);
      }
    };
    burst();
    expect(net.endpoint.stats.statelessResetsSent).toBe(10);
    expect(net.endpoint.stats.datagramsDropped['reset-rate-limited']).toBe(40);
    net.now += 500; // half a second refills five
    burst();
    expect(net.endpoint.stats.statelessResetsSent).toBe(15);
  });

  it('a client that reaches a server which forgot its connection enters draining on the reset', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    const client = net.addClient(A);
    net.run(() => connected(client));
    net.run(undefined, 100);
    net.endpoint.forget(net.serverConnections[0]!.connection);
    net.serverConnections.length = 0;
    const id = client.connection.openStream(true)!;
    client.connection.streamWrite(id, random(100), true);
    net.run(() => closedInfo(client) !== undefined, 5_000);
    expect(closedInfo(client)?.initiator).toBe('stateless-reset');
    expect(client.connection.state).toBe('draining');
  });
});

describe('Endpoint: bounds on pre-handshake state', () => {
  it('a flood of Initials from many addresses stays within maxHandshakes; the rest are refused', () => {
    const net = new EndpointNetwork({ retry: 'never', limits: { maxHandshakes: 20 } });
    const client = net.addClient(A);
    net.run(() => net.log.length > 0, 1);
    const initial = firstDatagramOf(net, client);
    for (let i = 0; i < 200; i++) {
      net.endpoint.receive(
        net.now,
        { address: `198.51.100.${i}`, port: 1000 + i },
        initial.slice(),
      );
      expect(net.endpoint.handshakeCount).toBeLessThanOrEqual(20);
    }
    expect(net.endpoint.connectionCount).toBe(20);
    expect(net.endpoint.stats.connectionsRefused).toBe(180);
    // Every refusal is a CONNECTION_CLOSE smaller than the Initial that caused it.
    for (let t = net.endpoint.pollTransmit(); t; t = net.endpoint.pollTransmit()) {
      expect(t.data.length).toBeLessThan(initial.length);
    }
  });

  it('a flood under Retry "auto" keeps state at the threshold and answers the rest with Retry', () => {
    const net = new EndpointNetwork({ retry: 'auto', limits: { retryAboveHandshakes: 10 } });
    const client = net.addClient(A);
    net.run(() => net.log.length > 0, 1);
    const initial = firstDatagramOf(net, client);
    for (let i = 0; i < 100; i++) {
      net.endpoint.receive(
        net.now,
        { address: `198.51.100.${i}`, port: 1000 + i },
        initial.slice(),
      );
    }
    expect(net.endpoint.connectionCount).toBe(10);
    expect(net.endpoint.stats.retriesSent).toBe(90);
  });

  it('bounds handshakes per client IP, whatever the port', () => {
    const net = new EndpointNetwork({ retry: 'never', limits: { maxHandshakesPerAddress: 3 } });
    const client = net.addClient(A);
    net.run(() => net.log.length > 0, 1);
    const initial = firstDatagramOf(net, client);
    for (let port = 2000; port < 2010; port++) {
      net.endpoint.receive(net.now, { address: B.address, port }, initial.slice());
    }
    expect(net.endpoint.connectionCount).toBe(3);
    expect(net.endpoint.stats.connectionsRefused).toBe(7);
  });

  it('a client that sends one Initial and goes silent gets at most 3x its bytes, large chain', () => {
    // A certificate chain far larger than 3 x 1200 bytes.
    const filler = Array.from({ length: 4 }, () => random(3000));
    const net = new EndpointNetwork({
      retry: 'never',
      tls: serverTls([serverLeaf.der, ...filler]),
    });
    net.addClient(A);
    let sentByClient = 0;
    net.tamper = (d) => {
      if (same(d.from, A)) {
        if (sentByClient > 0) return undefined; // silent after the first datagram
        sentByClient += d.data.length;
      }
      return same(d.to, A) ? undefined : d; // and it hears nothing
    };
    net.run(undefined, 20_000);
    expect(sentByClient).toBeGreaterThanOrEqual(1200);
    const sent = net.bytesSentTo(A);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(3 * sentByClient);
    const server = net.serverConnections[0]!.connection;
    expect(server.amplificationReceived).toBe(sentByClient);
  });

  it('does not arm the probe timer while blocked by the amplification limit', () => {
    const filler = Array.from({ length: 4 }, () => random(3000));
    const net = new EndpointNetwork({
      retry: 'never',
      tls: serverTls([serverLeaf.der, ...filler]),
    });
    net.addClient(A);
    let first = true;
    net.tamper = (d) => {
      if (same(d.from, A) && !first) return undefined;
      if (same(d.from, A)) first = false;
      return same(d.to, A) ? undefined : d;
    };
    net.run(() => net.serverConnections.length > 0 && net.bytesSentTo(A) > 0, 1_000);
    net.run(undefined, 50);
    const server = net.serverConnections[0]!.connection;
    expect(server.amplificationBudget()).toBeLessThan(1200);
    expect(server.recovery.lossDetectionTimer).toBeUndefined();
  });
});

describe('Endpoint: shutdown', () => {
  it('closes every connection with the chosen code and refuses new ones', () => {
    const net = new EndpointNetwork({ retry: 'never' });
    const a = net.addClient(A);
    const b = net.addClient(B);
    // Both sides complete: before its handshake completes, a server may only
    // close with APPLICATION_ERROR and no reason (RFC 9000 §10.2.3).
    net.run(
      () =>
        connected(a) &&
        connected(b) &&
        net.serverConnections.length === 2 &&
        net.serverConnections.every((s) => s.connection.handshakeComplete),
    );
    net.endpoint.close(net.now, 42, 'maintenance');
    net.run(() => closedInfo(a) !== undefined && closedInfo(b) !== undefined, 5_000);
    for (const client of [a, b]) {
      expect(closedInfo(client)).toMatchObject({ code: 42n, application: true, initiator: 'peer' });
      expect(closedInfo(client)?.reason).toBe('maintenance');
    }
    const late = net.addClient({ address: '192.0.2.9', port: 7 });
    net.run(() => closedInfo(late) !== undefined, 5_000);
    expect(closedInfo(late)?.code).toBe(BigInt(TransportErrorCode.CONNECTION_REFUSED));
    net.run(undefined, 10_000);
    expect(net.endpoint.connectionCount).toBe(0);
  });
});

describe('Endpoint: datagrams to the server address only', () => {
  it('keeps every reply addressed to the sender', () => {
    const net = new EndpointNetwork({ retry: 'always' });
    const client = net.addClient(A);
    net.run(() => connected(client));
    for (const d of net.log) if (same(d.from, SERVER)) expect(d.to).toEqual(A);
  });
});
