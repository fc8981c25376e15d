import { describe, expect, it } from 'vitest';
import { keyLogLine } from '../../../crypto/tls/key-log.js';

describe('NSS key log', () => {
  it('formats LABEL <client_random hex> <secret hex>', () => {
    const random = new Uint8Array(32).fill(0xab);
    const secret = Uint8Array.of(0, 1, 0xfe, 0xff);
    expect(keyLogLine('CLIENT_TRAFFIC_SECRET_0', random, secret)).toBe(
      `CLIENT_TRAFFIC_SECRET_0 ${'ab'.repeat(32)} 0001feff`,
    );
  });
});
