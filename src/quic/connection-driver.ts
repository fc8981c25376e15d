// The I/O shell around one sans-IO Connection (DESIGN.md "The sans-IO
// core"): on a datagram or a timer, call the core; then drain pollTransmit
// into the UDP primitive, drain pollEvent to the listener, and re-arm one
// timer at nextTimeout(). Sends respect the primitive's send queue: when it
// is full the driver waits for onDrain before asking the core for more.
import type { Connection } from '../../quic/connection/connection.js';
import type { ConnectionEvent } from '../../quic/connection/connection-events.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { RawUdpSocket } from '../udp/udp-stack.js';

export interface PeerAddress {
  address: string;
  port: number;
}

/**
 * Datagrams one service() call may send before it lets the event loop run
 * (received ACKs, other connections, the application): a window-sized burst
 * would otherwise hold the loop for tens of ms. The pacer's largest burst.
 */
export const MAX_DATAGRAMS_PER_SERVICE = 64;

export class ConnectionDriver {
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private serviceQueued = false;
  private sendBlocked = false;
  private stopped = false;

  constructor(
    readonly connection: Connection,
    private readonly socket: RawUdpSocket,
    private remote: PeerAddress,
    private readonly clock: Clock,
    private readonly onEvent: (event: ConnectionEvent) => void,
  ) {}

  get peer(): PeerAddress {
    return this.remote;
  }

  /** A datagram for this connection arrived from `from`. */
  receive(data: Uint8Array, from: PeerAddress): void {
    if (this.stopped) return;
    // The client talks to one server address; datagrams from elsewhere are
    // not for this connection (migration of the peer is not supported yet).
    if (from.address !== this.remote.address || from.port !== this.remote.port) return;
    this.connection.receive(this.clock.now(), data);
    this.scheduleFlush();
  }

  /**
   * After received datagrams: run the core once the whole burst the runtime
   * has ready is in, so one ACK (and one batch of sends) answers many packets.
   */
  private scheduleFlush(): void {
    if (this.serviceQueued || this.stopped) return;
    if (!this.clock.defer) {
      this.scheduleService();
      return;
    }
    this.serviceQueued = true;
    this.clock.defer(() => {
      this.serviceQueued = false;
      this.service();
    });
  }

  /** The UDP send queue drained: continue sending. */
  onDrain(): void {
    if (!this.sendBlocked) return;
    this.sendBlocked = false;
    this.scheduleService();
  }

  /** Run the core now (after an application command such as a stream write). */
  scheduleService(): void {
    if (this.serviceQueued || this.stopped) return;
    this.serviceQueued = true;
    queueMicrotask(() => {
      this.serviceQueued = false;
      this.service();
    });
  }

  /** Stop driving: clears the timer; the connection object is left as it is. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
  }

  service(): void {
    if (this.stopped) return;
    const conn = this.connection;
    for (let sent = 0; !this.sendBlocked; sent++) {
      if (sent === MAX_DATAGRAMS_PER_SERVICE) {
        // More may be ready: continue once the I/O already due has run.
        this.scheduleFlush();
        break;
      }
      // The clock is read for every datagram, not once per burst: building
      // and sending one takes tens of us, and the pacer (RFC 9002 §7.7)
      // refills its bucket by the time that really passed. With one `now` for
      // the whole burst, the bucket ran dry after each burst and the sender
      // slept for a timer (>= 1 ms in JavaScript) it did not need.
      const datagram = conn.pollTransmit(this.clock.now());
      if (datagram === undefined) break;
      const accepted = this.socket.send(datagram, this.remote.address, this.remote.port);
      if (!accepted) this.sendBlocked = true;
    }
    for (let event = conn.pollEvent(); event !== undefined; event = conn.pollEvent()) {
      this.onEvent(event);
      if (this.stopped) return;
    }
    this.armTimer();
  }

  /**
   * One timer at the core's next deadline. A deadline that moved later keeps
   * the armed timer, which re-arms when it fires: a sender's loss and PTO
   * deadlines move on with every ACK, and clearing and setting a Node
   * timeout on each one cost ~12 us per service() in a bulk transfer.
   */
  private armTimer(): void {
    const at = this.connection.nextTimeout();
    if (at === this.timerAt) return;
    if (at !== undefined && this.timerAt !== undefined && at > this.timerAt) return;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => this.onTimer());
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    const due = this.connection.nextTimeout();
    if (due !== undefined && due > now) {
      this.armTimer();
      return;
    }
    this.connection.handleTimeout(now);
    this.service();
  }
}
