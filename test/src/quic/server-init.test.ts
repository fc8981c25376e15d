import { describe, expect, it } from 'vitest';
import { checkServerInit } from '../../../src/quic/server-init.js';
import { generateSelfSignedCertificate } from '../../../src/self-signed-certificate.js';

const cert = await generateSelfSignedCertificate({ names: ['localhost'] });
const tls = { certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpn: ['x'] };

describe('checkServerInit: init.quic reaches the listener', () => {
  it('transport settings, congestion control, datagram size and crypto provider', () => {
    const { listener } = checkServerInit({
      type: 'quic',
      tls,
      quic: {
        maxIdleTimeout: 600_000,
        maxIncomingStreams: 7,
        maxIncomingUnidirectionalStreams: 5,
        congestionControl: 'newreno',
        maxDatagramSize: 1400,
        cryptoProvider: 'pure',
        maxConnections: 10,
      },
    });
    expect(listener.transport).toEqual({
      maxIdleTimeout: 600_000,
      initialMaxStreamsBidi: 7,
      initialMaxStreamsUni: 5,
    });
    expect(listener.congestionControl).toBe('newreno');
    expect(listener.maxDatagramSize).toBe(1400);
    expect(listener.cryptoProvider?.name).toBe('pure');
    expect(listener.limits?.maxConnections).toBe(10);
  });

  it('a bad value is a TypeError naming the field', () => {
    expect(() => checkServerInit({ type: 'quic', tls, quic: { maxIdleTimeout: -1 } })).toThrow(
      /init\.quic\.maxIdleTimeout/,
    );
    expect(() => checkServerInit({ type: 'quic', tls, quic: { cryptoProvider: 'x' } })).toThrow(
      /init\.quic\.cryptoProvider/,
    );
  });
});
