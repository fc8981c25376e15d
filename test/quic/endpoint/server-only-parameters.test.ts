// A client whose transport parameters carry server-only fields (RFC 9000
// §18.2): the encoder is wrapped so that the client's parameters gain a
// stateless_reset_token or an original_destination_connection_id.
import { describe, expect, it, vi } from 'vitest';
import { TransportErrorCode } from '../../../quic/errors.js';
import type { TransportParameters } from '../../../quic/transport-parameters.js';

const inject: { field?: 'statelessResetToken' | 'originalDestinationConnectionId' } = {};

vi.mock('../../../quic/transport-parameters.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../quic/transport-parameters.js')>();
  return {
    ...original,
    encodeTransportParameters: (params: TransportParameters) => {
      const isClient = params.originalDestinationConnectionId === undefined;
      if (isClient && inject.field === 'statelessResetToken') {
        return original.encodeTransportParameters({
          ...params,
          statelessResetToken: new Uint8Array(16).fill(7),
        });
      }
      if (isClient && inject.field === 'originalDestinationConnectionId') {
        return original.encodeTransportParameters({
          ...params,
          originalDestinationConnectionId: new Uint8Array(8).fill(1),
        });
      }
      return original.encodeTransportParameters(params);
    },
  };
});

const { EndpointNetwork, closedInfo, connected } = await import('./endpoint-network.js');

describe('Endpoint: a client sending server-only transport parameters', () => {
  for (const field of ['statelessResetToken', 'originalDestinationConnectionId'] as const) {
    it(`is closed with TRANSPORT_PARAMETER_ERROR (${field})`, () => {
      inject.field = field;
      try {
        const net = new EndpointNetwork({ retry: 'never' });
        const client = net.addClient({ address: '192.0.2.1', port: 1 });
        net.run(() => closedInfo(client) !== undefined, 5_000);
        expect(connected(client)).toBe(false);
        expect(closedInfo(client)).toMatchObject({
          code: BigInt(TransportErrorCode.TRANSPORT_PARAMETER_ERROR),
          initiator: 'peer',
        });
        const server = net.serverConnections[0]!.connection;
        expect(server.closeInfo?.initiator).toBe('local');
        net.run(undefined, 10_000);
        expect(net.endpoint.connectionCount).toBe(0);
      } finally {
        inject.field = undefined;
      }
    });
  }
});
