// Plain values exchanged between the stream layer and the connection. The
// stream layer never encodes frames: the connection maps these to and from
// the frame codec (RFC 9000 §19.4-§19.14).

/** RFC 9000 §20.2: application protocol error codes are 62-bit; passed through unchanged. */
export type AppErrorCode = number | bigint;

/** RFC 9000 §19 frame types, carried on TransportError.frameType: the one frame table's values. */
export { FrameType as StreamFrameType } from '../frame/frame.js';

/** The content of one STREAM frame to send. `data` may be a view into the send buffer: encode it before the next write. */
export interface OutgoingStreamData {
  offset: number;
  data: Uint8Array;
  fin: boolean;
}

/** A STREAM frame chosen by the stream manager, with its stream. */
export interface OutgoingStreamFrame extends OutgoingStreamData {
  streamId: number;
}

/** What a read returns: in-order bytes and whether they end the stream, or the peer's reset. */
export type ReadResult = { data: Uint8Array; fin: boolean } | { resetCode: AppErrorCode };

/**
 * Control frames the stream layer wants sent, as plain values. The
 * connection reports their fate with onControlFrameAcked / onControlFrameLost.
 */
export type StreamControlFrame =
  | { type: 'max_data'; maximum: number }
  | { type: 'max_stream_data'; streamId: number; maximum: number }
  | { type: 'max_streams'; bidi: boolean; maximum: number }
  | { type: 'data_blocked'; limit: number }
  | { type: 'stream_data_blocked'; streamId: number; limit: number }
  | { type: 'streams_blocked'; bidi: boolean; limit: number }
  | { type: 'reset_stream'; streamId: number; errorCode: AppErrorCode; finalSize: number }
  | { type: 'stop_sending'; streamId: number; errorCode: AppErrorCode };

/** Events for the connection (and through it, the application). */
export type StreamEvent =
  /** The peer opened a stream (explicitly or implicitly, RFC 9000 §3.2). */
  | { type: 'opened'; streamId: number; bidi: boolean }
  /** New in-order data, the end of the stream, or a reset can be read. */
  | { type: 'readable'; streamId: number }
  /** Send-buffer space freed after a write was cut short, or credit arrived. */
  | { type: 'writable'; streamId: number }
  /** Everything written, FIN included, was acknowledged (send side "Data Recvd"). */
  | { type: 'finished'; streamId: number }
  /** The peer reset its sending side (RESET_STREAM received). */
  | { type: 'reset'; streamId: number; errorCode: AppErrorCode; finalSize: number }
  /** The peer asked us to stop sending (STOP_SENDING); we reset with its code. */
  | { type: 'stopped'; streamId: number; errorCode: AppErrorCode }
  /** The peer raised MAX_STREAMS after openStream() hit the limit: it may succeed again. */
  | { type: 'streams-available'; bidi: boolean }
  /** Both directions reached a terminal state; the stream's state was freed. */
  | { type: 'closed'; streamId: number };
