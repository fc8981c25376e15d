import { describe, expect, it } from 'vitest';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';
import { LocalStreamLimit, PeerStreamLimit } from '../../../quic/streams/stream-limits.js';

function codeOf(fn: () => void): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof TransportError) return e.code;
    throw e;
  }
  return undefined;
}

describe('LocalStreamLimit (RFC 9000 §4.6)', () => {
  it('opens up to the limit, then reports STREAMS_BLOCKED once per limit', () => {
    const l = new LocalStreamLimit(2);
    expect(l.takeBlocked()).toBeUndefined();
    expect([l.open(), l.open(), l.open(), l.open()]).toEqual([0, 1, null, null]);
    expect(l.takeBlocked()).toBe(2);
    expect(l.open()).toBeNull();
    expect(l.takeBlocked()).toBeUndefined();
    l.onBlockedLost(1); // stale
    expect(l.takeBlocked()).toBeUndefined();
    l.onBlockedLost(2);
    expect(l.takeBlocked()).toBe(2);
    expect(l.raise(1)).toBe(false); // MAX_STREAMS that do not increase are ignored
    expect(l.raise(3)).toBe(true);
    expect(l.open()).toBe(2);
    expect(l.open()).toBeNull();
    expect(l.takeBlocked()).toBe(3);
  });

  it('a limit above 2^60 is FRAME_ENCODING_ERROR in a frame, TRANSPORT_PARAMETER_ERROR in parameters', () => {
    expect(codeOf(() => new LocalStreamLimit().raise(2 ** 60 + 256, 0x12))).toBe(
      TransportErrorCode.FRAME_ENCODING_ERROR,
    );
    expect(codeOf(() => new LocalStreamLimit().raise(2 ** 61))).toBe(
      TransportErrorCode.TRANSPORT_PARAMETER_ERROR,
    );
    expect(codeOf(() => new LocalStreamLimit().raise(2 ** 60, 0x12))).toBeUndefined();
  });
});

describe('PeerStreamLimit (RFC 9000 §4.6)', () => {
  it('accepts indices below the limit, opening lower ones implicitly', () => {
    const p = new PeerStreamLimit(5);
    expect(p.accept(2, 0x08)).toBe(0); // opens 0, 1, 2
    expect(p.opened).toBe(3);
    expect(p.accept(1, 0x08)).toBeUndefined(); // already open (or closed)
    expect(p.accept(4, 0x08)).toBe(3);
    expect(codeOf(() => p.accept(5, 0x08))).toBe(TransportErrorCode.STREAM_LIMIT_ERROR);
  });

  it('raises the limit by one per closed stream; resends the latest value when lost', () => {
    const p = new PeerStreamLimit(2);
    expect(p.takeUpdate()).toBeUndefined();
    p.onStreamClosed();
    p.onStreamClosed();
    expect(p.takeUpdate()).toBe(4);
    expect(p.takeUpdate()).toBeUndefined();
    p.onStreamClosed();
    p.onUpdateLost(); // the frame carrying 4 was lost; 5 supersedes it
    expect(p.takeUpdate()).toBe(5);
    p.onPeerBlocked(5);
    expect(p.takeUpdate()).toBeUndefined();
    p.onPeerBlocked(4);
    expect(p.takeUpdate()).toBe(5);
  });
});
