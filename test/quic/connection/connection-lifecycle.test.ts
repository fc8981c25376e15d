// Idle timeout, application close and the closing/draining periods
// (RFC 9000 §10).
import { describe, expect, it } from 'vitest';
import { PacketNumberSpace } from '../../../quic/recovery/index.js';
import { ConnectionPair } from './connection-pair.js';

function established(link: ConstructorParameters<typeof ConnectionPair>[2] = {}): ConnectionPair {
  const pair = new ConnectionPair(
    { transport: { maxIdleTimeout: 5_000 } },
    { transport: { maxIdleTimeout: 10_000 } },
    link,
  );
  pair.run(() => pair.client.handshakeConfirmed && (pair.server?.handshakeConfirmed ?? false));
  return pair;
}

describe('RFC 9001 §4.9 discarded packet number spaces', () => {
  it('every connection shares one frozen discarded Initial and Handshake space', () => {
    const a = established();
    const b = established();
    for (const which of [PacketNumberSpace.Initial, PacketNumberSpace.Handshake]) {
      const shared = a.client.spaces[which]!;
      expect(shared.discarded).toBe(true);
      expect(Object.isFrozen(shared) && Object.isFrozen(shared.received)).toBe(true);
      for (const c of [a.server!, b.client, b.server!]) expect(c.spaces[which]).toBe(shared);
      expect([shared.received.rangeCount, shared.crypto.heldBytes, shared.probesDue]).toEqual([
        0, 0, 0,
      ]);
    }
    expect(a.client.spaces[PacketNumberSpace.ApplicationData]).not.toBe(
      b.client.spaces[PacketNumberSpace.ApplicationData],
    );
    // Both connections go on working after the discard, through a clean close.
    a.client.close(a.now, 0, 'done');
    a.run(() => a.client.state === 'closed' && a.server!.state === 'closed', 10_000);
    expect(a.server!.closeInfo?.reason).toBe('done');
  });
});

describe('RFC 9000 §10.2 closing period after loss', () => {
  it('lasts three PTO intervals without the backoff that losses built up', () => {
    let cut = false;
    const pair = established({ toServer: { drop: () => cut }, toClient: { drop: () => cut } });
    const id = pair.client.openStream(true)!;
    cut = true;
    pair.client.streamWrite(id, new Uint8Array(100), false);
    // Unanswered probes back the PTO off.
    pair.run(() => pair.client.recovery.stats.ptoFired >= 3, 60_000);
    const backedOff = pair.client.recovery.ptoPeriod(2);
    const start = pair.now;
    pair.client.close(pair.now, 0, 'bye');
    pair.run(() => pair.client.state === 'closed', 120_000);
    const base = pair.client.recovery.rtt.ptoBase() + 25;
    expect(backedOff).toBeGreaterThan(4 * base);
    expect(pair.now - start).toBeLessThanOrEqual(3 * base + 1);
  });
});

describe('RFC 9001 §4.1.2 handshake confirmation', () => {
  it('a client confirms on an ACK of a 1-RTT packet when HANDSHAKE_DONE is lost', () => {
    let droppedHandshakeDone = false;
    let pair!: ConnectionPair;
    pair = new ConnectionPair(
      {},
      {},
      {
        toClient: {
          // The server's first datagram once its handshake is complete carries
          // HANDSHAKE_DONE: lose it.
          drop: () => {
            if (droppedHandshakeDone || !pair.server?.handshakeComplete) return false;
            droppedHandshakeDone = true;
            return true;
          },
        },
      },
    );
    pair.run(() => droppedHandshakeDone);
    // More 1-RTT data: the server's ACK of it is the first the client hears.
    const id = pair.client.openStream(true)!;
    pair.client.streamWrite(id, new TextEncoder().encode('hello'), true);
    pair.run(() => pair.client.handshakeConfirmed, 10_000);
    expect(droppedHandshakeDone).toBe(true);
    expect(pair.client.handshakeConfirmed).toBe(true);
    // Confirmed by the server's ACK, before the server had to repeat HANDSHAKE_DONE.
    expect(pair.server!.recovery.stats.ptoFired).toBe(0);
  });
});

describe('RFC 9000 §10.1 idle timeout', () => {
  it('uses the smaller of both idle timeouts and closes silently when the path goes quiet', () => {
    let cut = false;
    const pair = established({ toServer: { drop: () => cut }, toClient: { drop: () => cut } });
    cut = true;
    const start = pair.now;
    pair.run(() => pair.client.state === 'closed' && pair.server!.state === 'closed', 60_000);
    expect(pair.client.closeInfo?.initiator).toBe('idle-timeout');
    expect(pair.server!.closeInfo?.initiator).toBe('idle-timeout');
    // min(5 s, 10 s), give or take the PTO floor of 3 PTOs.
    const elapsed = pair.now - start;
    expect(elapsed).toBeGreaterThanOrEqual(5_000);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('an idle but healthy connection stays open while packets flow', () => {
    const pair = established();
    const id = pair.client.openStream(true)!;
    for (let i = 0; i < 20; i++) {
      pair.client.streamWrite(id, new Uint8Array(10));
      pair.run(() => false, 1_000);
    }
    expect(pair.client.state).toBe('established');
  });
});

describe('RFC 9000 §10.2 immediate close', () => {
  it('an application close reaches the peer with its code and reason; both sides end', () => {
    const pair = established();
    pair.client.close(pair.now, 0x1234n, 'bye');
    pair.run(() => pair.client.state === 'closed' && pair.server!.state === 'closed');
    expect(pair.server!.closeInfo).toMatchObject({
      code: 0x1234n,
      application: true,
      reason: 'bye',
      initiator: 'peer',
    });
    expect(pair.clientEvents.some((e) => e.type === 'terminated')).toBe(true);
    expect(pair.serverEvents.some((e) => e.type === 'terminated')).toBe(true);
  });

  it('a close before the handshake completes is sent as a transport APPLICATION_ERROR (§10.2.3)', () => {
    const pair = new ConnectionPair();
    pair.run(() => pair.server !== undefined && pair.client.spaces[1]!.writeKeys !== undefined);
    pair.client.close(pair.now, 7n, 'changed my mind');
    pair.run(() => pair.server!.closeInfo !== undefined);
    const info = pair.server!.closeInfo!;
    // The peer may have read the 1-RTT copy (application 7) or an Initial/Handshake copy (0x0c).
    expect(
      (info.application && info.code === 7n) || (!info.application && info.code === 0x0cn),
    ).toBe(true);
  });
});
