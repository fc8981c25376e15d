import { describe, expect, it } from 'vitest';
import { LocalConnectionIds } from '../../../quic/cid/local-connection-ids.js';
import { PeerConnectionIds } from '../../../quic/cid/peer-connection-ids.js';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';

function counterRandom() {
  let n = 0;
  return (len: number) => new Uint8Array(len).fill(++n);
}
const token = (b: number) => new Uint8Array(16).fill(b);
const cid = (b: number) => new Uint8Array(8).fill(b);

function expectTransportError(fn: () => unknown, code: number) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe(code);
    return;
  }
  throw new Error('expected a TransportError');
}

describe('LocalConnectionIds', () => {
  const make = (cidLength = 8) =>
    new LocalConnectionIds({
      initial: cid(0xaa),
      cidLength,
      random: counterRandom(),
      resetTokenFor: (c) => token(c[0]!),
      maxActive: 4,
    });

  it('issues up to the smaller of the peer limit and our own cap', () => {
    const ids = make();
    expect(ids.replenish()).toHaveLength(1); // default peer limit 2
    ids.setPeerLimit(10);
    const added = ids.replenish();
    expect(added.map((a) => a.sequence)).toEqual([2, 3]);
    expect(ids.activeCount).toBe(4);
    const sent = [];
    for (let f = ids.pollNewConnectionId(); f; f = ids.pollNewConnectionId()) sent.push(f.sequence);
    expect(sent).toEqual([1, 2, 3]);
  });

  it('retires on request and replaces the retired CID', () => {
    const ids = make();
    ids.setPeerLimit(3);
    ids.replenish();
    expect(ids.onRetire(0, cid(1))).toEqual(cid(0xaa));
    expect(ids.onRetire(0, cid(1))).toBeUndefined(); // a repeat is harmless
    expect(ids.replenish().map((a) => a.sequence)).toEqual([3]);
  });

  it('counts changes to the routed set: issues and retirements, nothing else', () => {
    const ids = make();
    const seen = () => ids.changes;
    const start = seen();
    ids.setPeerLimit(3);
    ids.pollNewConnectionId();
    expect(seen()).toBe(start);
    ids.replenish();
    expect(seen()).toBe(start + 2);
    ids.replenish(); // nothing to add
    expect(seen()).toBe(start + 2);
    ids.onRetire(0, cid(1));
    expect(seen()).toBe(start + 3);
    ids.onRetire(0, cid(1)); // a repeat changes nothing
    expect(seen()).toBe(start + 3);
  });

  it('RFC 9000 §19.16: retiring an unissued sequence is PROTOCOL_VIOLATION', () => {
    const ids = make();
    expectTransportError(() => ids.onRetire(5, cid(1)), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §19.16: retiring the CID the packet was sent to is PROTOCOL_VIOLATION', () => {
    const ids = make();
    expectTransportError(() => ids.onRetire(0, cid(0xaa)), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('zero-length CIDs: never issues, and RETIRE_CONNECTION_ID is PROTOCOL_VIOLATION', () => {
    const ids = make(0);
    ids.setPeerLimit(8);
    expect(ids.replenish()).toEqual([]);
    expectTransportError(() => ids.onRetire(0, cid(1)), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('re-sends a lost NEW_CONNECTION_ID only while the CID is active', () => {
    const ids = make();
    ids.replenish();
    const f = ids.pollNewConnectionId()!;
    ids.onNewConnectionIdLost(f.sequence);
    expect(ids.pollNewConnectionId()?.sequence).toBe(f.sequence);
    ids.onRetire(f.sequence, cid(0xaa));
    ids.onNewConnectionIdLost(f.sequence);
    expect(ids.pollNewConnectionId()).toBeUndefined();
  });
});

describe('PeerConnectionIds', () => {
  it('stores a copy of the CID and token, not views into the datagram', () => {
    const ids = new PeerConnectionIds(cid(0), 4);
    const datagram = new Uint8Array([...cid(1), ...token(7)]);
    ids.onNewConnectionId(1, 1, datagram.subarray(0, 8), datagram.subarray(8));
    datagram.fill(0);
    expect(ids.current.sequence).toBe(1);
    expect(ids.current.cid).toEqual(cid(1));
    expect(ids.current.resetToken).toEqual(token(7));
    expect(ids.resetTokens()).toEqual([token(7)]);
  });

  it('accepts new CIDs up to our limit, then CONNECTION_ID_LIMIT_ERROR', () => {
    const ids = new PeerConnectionIds(cid(0), 3);
    ids.onNewConnectionId(1, 0, cid(1), token(1));
    ids.onNewConnectionId(2, 0, cid(2), token(2));
    expectTransportError(
      () => ids.onNewConnectionId(3, 0, cid(3), token(3)),
      TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
    );
  });

  it('a repeated frame is not an error; a reused sequence with another CID is', () => {
    const ids = new PeerConnectionIds(cid(0), 4);
    ids.onNewConnectionId(1, 0, cid(1), token(1));
    ids.onNewConnectionId(1, 0, cid(1), token(1));
    expectTransportError(
      () => ids.onNewConnectionId(1, 0, cid(9), token(1)),
      TransportErrorCode.PROTOCOL_VIOLATION,
    );
    expectTransportError(
      () => ids.onNewConnectionId(2, 0, cid(1), token(1)),
      TransportErrorCode.PROTOCOL_VIOLATION,
    );
  });

  it('RFC 9000 §5.1.2: retire_prior_to retires older CIDs and moves off them', () => {
    const ids = new PeerConnectionIds(cid(0), 2);
    ids.onNewConnectionId(1, 0, cid(1), token(1));
    ids.onNewConnectionId(2, 2, cid(2), token(2));
    expect(ids.current.sequence).toBe(2);
    const retired = [ids.pollRetireConnectionId(), ids.pollRetireConnectionId()];
    expect(retired.sort()).toEqual([0, 1]);
    expect(ids.pollRetireConnectionId()).toBeUndefined();
    // A smaller retire_prior_to later has no effect.
    ids.onNewConnectionId(3, 1, cid(3), token(3));
    expect(ids.current.sequence).toBe(2);
  });

  it('RFC 9000 §19.15: a CID below the largest retire_prior_to is retired at once', () => {
    const ids = new PeerConnectionIds(cid(0), 2);
    ids.onNewConnectionId(5, 5, cid(5), token(5));
    ids.pollRetireConnectionId(); // 0
    ids.onNewConnectionId(3, 0, cid(3), token(3));
    expect(ids.pollRetireConnectionId()).toBe(3);
    expect(ids.current.sequence).toBe(5);
  });

  it('bounds retirements a peer can force us to track', () => {
    const ids = new PeerConnectionIds(cid(0), 2);
    expectTransportError(() => {
      for (let s = 1; s < 100; s++) ids.onNewConnectionId(s, s, cid(s), token(s));
    }, TransportErrorCode.CONNECTION_ID_LIMIT_ERROR);
  });

  it('rotate() moves to a spare CID and retires the old one', () => {
    const ids = new PeerConnectionIds(cid(0), 4);
    expect(ids.rotate()).toBe(false);
    ids.onNewConnectionId(1, 0, cid(1), token(1));
    expect(ids.rotate()).toBe(true);
    expect(ids.current.cid).toEqual(cid(1));
    expect(ids.pollRetireConnectionId()).toBe(0);
    ids.onRetireLost(0);
    expect(ids.pollRetireConnectionId()).toBe(0);
  });

  it('a zero-length peer CID makes NEW_CONNECTION_ID a PROTOCOL_VIOLATION', () => {
    const ids = new PeerConnectionIds(new Uint8Array(0), 4);
    expectTransportError(
      () => ids.onNewConnectionId(1, 0, cid(1), token(1)),
      TransportErrorCode.PROTOCOL_VIOLATION,
    );
  });
});
