import { describe, expect, it } from 'vitest';
import { CryptoStream, MAX_CRYPTO_REORDER_BYTES } from '../../../quic/connection/crypto-stream.js';
import { TransportError, TransportErrorCode } from '../../../quic/errors.js';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('CryptoStream sending', () => {
  it('frames the written bytes at increasing offsets', () => {
    const s = new CryptoStream();
    s.write(bytes(100));
    expect(s.hasData).toBe(true);
    expect(s.nextFrame(60)).toMatchObject({ offset: 0 });
    const second = s.nextFrame(60);
    expect(second?.offset).toBe(60);
    expect(second?.data.length).toBe(40);
    expect(s.nextFrame(60)).toBeNull();
    expect(s.hasData).toBe(false);
  });

  it('releases its buffer once everything is acknowledged and continues at the same offset', () => {
    const s = new CryptoStream();
    s.write(bytes(100));
    s.nextFrame(1000);
    expect(s.heldBytes).toBe(100);
    s.onAcked(0, 100);
    expect(s.heldBytes).toBe(0);
    // A late duplicate ack or loss of released bytes changes nothing.
    s.onAcked(0, 100);
    s.onLost(0, 100);
    expect(s.hasData).toBe(false);
    s.write(bytes(30, 2));
    const next = s.nextFrame(1000);
    expect(next?.offset).toBe(100);
    expect(next?.data).toEqual(bytes(30, 2));
  });

  it('keeps unacknowledged bytes and resends lost ones at their offsets', () => {
    const s = new CryptoStream();
    s.write(bytes(100));
    s.nextFrame(50);
    s.nextFrame(50);
    s.onAcked(0, 50);
    expect(s.heldBytes).toBe(50);
    s.onLost(50, 50);
    expect(s.nextFrame(1000)).toMatchObject({ offset: 50 });
    s.onAcked(50, 50);
    expect(s.heldBytes).toBe(0);
  });

  it('resendAll queues every written byte again', () => {
    const s = new CryptoStream();
    s.write(bytes(80));
    s.nextFrame(1000);
    s.resendAll();
    const again = s.nextFrame(1000);
    expect(again?.offset).toBe(0);
    expect(again?.data.length).toBe(80);
  });
});

describe('CryptoStream receiving', () => {
  it('hands on in-order bytes, holds out-of-order ones, drops duplicates', () => {
    const s = new CryptoStream();
    expect(s.receive(10, bytes(10, 2))).toHaveLength(0);
    expect(s.heldBytes).toBeGreaterThan(0);
    const both = s.receive(0, bytes(10, 1));
    expect(both).toEqual(new Uint8Array([...bytes(10, 1), ...bytes(10, 2)]));
    expect(s.receivedOffset).toBe(20);
    expect(s.heldBytes).toBe(0);
    expect(s.receive(5, bytes(10))).toHaveLength(0);
    // Overlapping the consumed part: only the new tail is handed on.
    expect(s.receive(15, bytes(10, 3))).toEqual(bytes(5, 3));
    expect(s.receivedOffset).toBe(25);
  });

  it('RFC 9000 §7.5: data too far past what TLS consumed is CRYPTO_BUFFER_EXCEEDED', () => {
    const s = new CryptoStream();
    s.receive(0, bytes(10));
    let error: unknown;
    try {
      s.receive(10 + MAX_CRYPTO_REORDER_BYTES, bytes(1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED);
    expect(s.receive(10, bytes(4))).toHaveLength(4);
  });
});
