/**
 * Main-thread side of the wire: reads what the kernel sends on tun0, with the kernel's own
 * timestamp, and keeps tun0's queue drained.
 *
 * Design choice: the AF_PACKET capture socket supplies both the bytes and the time of every
 * outgoing packet in one recvmsg (SCM_TIMESTAMPNS, stamped in dev_queue_xmit_nit as the packet
 * leaves the stack, on CLOCK_REALTIME), so no matching between two sources is needed. tun0's
 * own descriptor is read only to drain it, as packetdrill does (netdev.c: the kernel's transmit
 * completion path stays normal and the TUN queue, 500 packets, never overflows).
 *
 * watchReadable (the FFI backend's descriptor watch: libuv's poll under Node, see libc-deno.ts for
 * Deno) watches both descriptors on the main loop; its handles are kept in fields, because a
 * collected handle stops delivering.
 */
import { timespecSinceEpochNs } from "../sys/clock";
import { call, libc, NativeArena, watchReadable, type FdWatch } from "../sys/libc";
import {
  PACKET_OUTGOING,
  PACKET_STATISTICS,
  SOL_PACKET,
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VNET_HDR_SIZE,
  completeChecksum,
  decodeVnetHeader,
} from "./tun";

/** One packet the kernel sent out of tun0. */
export interface CapturedPacket {
  /** The IP datagram as it would leave a real device (partial checksums completed). */
  readonly bytes: Uint8Array;
  /** Kernel transmit timestamp, nanoseconds on the sandbox clock. */
  readonly timeNs: number;
  /** Set for a TSO super-segment: the MSS the "hardware" would cut it into. */
  readonly gsoSize?: number;
  /** The capture buffer was too small and the packet is cut short (should never happen). */
  readonly truncated?: boolean;
}

const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const SOL_SOCKET = 1;
const SCM_TIMESTAMPNS = 35;
/** A TSO super-segment is at most 64 KiB plus headers; BIG TCP is not enabled on tun0. */
const PACKET_SPACE = 256 * 1024;
const NAME_SPACE = 32;
const CONTROL_SPACE = 64;

type Waiter = { resolve: (p: CapturedPacket | undefined) => void; timer: NodeJS.Timeout | undefined };

export class Capture {
  private readonly captureFd: number;
  private readonly tunFd: number;
  private readonly offload: boolean;
  private readonly epochNs: bigint;
  private readonly queue: CapturedPacket[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly arena = new NativeArena();
  private readonly msg: ReturnType<NativeArena["alloc"]>;
  private readonly name: ReturnType<NativeArena["alloc"]>;
  private readonly data: ReturnType<NativeArena["alloc"]>;
  private readonly control: ReturnType<NativeArena["alloc"]>;
  private readonly iov: ReturnType<NativeArena["alloc"]>;
  private readonly drainBuffer = new Uint8Array(PACKET_SPACE);
  private capturePoll: FdWatch | undefined;
  private tunPoll: FdWatch | undefined;
  private stopped = false;
  private dropped = 0;
  /** Packets read off tun0's queue (equals captured packets unless something went wrong). */
  drained = 0;

  constructor(captureFd: number, tunFd: number, offload: boolean, epochNs: bigint) {
    this.captureFd = captureFd;
    this.tunFd = tunFd;
    this.offload = offload;
    this.epochNs = epochNs;
    // One native msghdr reused for every recvmsg: name, a single iovec, control.
    this.msg = this.arena.alloc(56);
    this.name = this.arena.alloc(NAME_SPACE);
    this.data = this.arena.alloc(PACKET_SPACE);
    this.control = this.arena.alloc(CONTROL_SPACE);
    this.iov = this.arena.alloc(16);
    this.iov.view.setBigUint64(0, this.data.ptr, true);
    this.iov.view.setBigUint64(8, BigInt(PACKET_SPACE), true);
    this.msg.view.setBigUint64(0, this.name.ptr, true);
    this.msg.view.setBigUint64(16, this.iov.ptr, true);
    this.msg.view.setBigUint64(24, 1n, true);
    this.msg.view.setBigUint64(32, this.control.ptr, true);
  }

  start(): void {
    this.capturePoll = watchReadable(this.captureFd, () => this.readCapture());
    this.capturePoll.unref();
    this.tunPoll = watchReadable(this.tunFd, () => this.drainTun());
    this.tunPoll.unref();
  }

  /** Reads everything the capture socket holds now (also called before answering a waiter). */
  readCapture(): void {
    if (this.stopped) return;
    for (;;) {
      this.msg.view.setUint32(8, NAME_SPACE, true);
      this.msg.view.setBigUint64(40, BigInt(CONTROL_SPACE), true);
      this.msg.view.setInt32(48, 0, true);
      const header = this.msg.ptr;
      // Any failure (EAGAIN: nothing left) ends this round; the next readiness event retries.
      const { ret } = call(() => libc().recvmsg(this.captureFd, header, MSG_DONTWAIT | MSG_TRUNC));
      if (ret < 0) return;
      const packet = this.parse(ret);
      if (packet !== undefined) this.deliver(packet);
    }
  }

  private parse(length: number): CapturedPacket | undefined {
    // sockaddr_ll: sll_pkttype at offset 10. The BPF filter already keeps outgoing packets only.
    if (this.name.bytes[10] !== PACKET_OUTGOING) return undefined;
    const flags = this.msg.view.getInt32(48, true);
    const timeNs = this.timestamp();
    const copied = Math.min(length, PACKET_SPACE);
    let bytes = this.data.bytes.slice(0, copied);
    let gsoSize: number | undefined;
    if (this.offload) {
      if (bytes.length < VNET_HDR_SIZE) return undefined;
      const vnet = decodeVnetHeader(bytes);
      bytes = bytes.subarray(VNET_HDR_SIZE); // a view: the slice above is this packet's own copy
      if ((vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) !== 0) completeChecksum(bytes, vnet.csumStart, vnet.csumOffset);
      if (vnet.gsoType !== 0 && vnet.gsoSize > 0) gsoSize = vnet.gsoSize;
    }
    const truncated = (flags & MSG_TRUNC) !== 0 || length > PACKET_SPACE;
    return { bytes, timeNs, ...(gsoSize !== undefined ? { gsoSize } : {}), ...(truncated ? { truncated } : {}) };
  }

  private timestamp(): number {
    const controllen = Number(this.msg.view.getBigUint64(40, true));
    const view = this.control.view;
    for (let at = 0; at + 16 <= controllen; ) {
      const len = Number(view.getBigUint64(at, true));
      if (len < 16) break;
      if (view.getInt32(at + 8, true) === SOL_SOCKET && view.getInt32(at + 12, true) === SCM_TIMESTAMPNS && len >= 32) {
        return timespecSinceEpochNs(view.getBigInt64(at + 16, true), view.getBigInt64(at + 24, true), this.epochNs);
      }
      at += (len + 7) & ~7;
    }
    throw new Error("capture socket delivered a packet without SCM_TIMESTAMPNS");
  }

  private drainTun(): void {
    if (this.stopped) return;
    for (;;) {
      const ret = libc().read(this.tunFd, this.drainBuffer, this.drainBuffer.length);
      if (ret < 0) return;
      this.drained++;
    }
  }

  private deliver(packet: CapturedPacket): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve(packet);
    } else {
      this.queue.push(packet);
    }
  }

  /** The next packet, waiting until `deadlineNs` at most (undefined if none came). */
  next(deadlineNs: number, nowNs: number): Promise<CapturedPacket | undefined> {
    this.readCapture();
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.stopped || deadlineNs <= nowNs) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined };
      const ms = Math.max(0, Math.ceil((deadlineNs - nowNs) / 1e6));
      // The readiness callback does not always fire for a packet that arrives after a long quiet
      // spell (a keepalive probe after 2 s was seen only at the deadline, 230 ms late), so a
      // waiter also looks every millisecond: a non-blocking recvmsg, a few µs.
      const poll = setInterval(() => this.readCapture(), 1);
      const done = (packet: CapturedPacket | undefined): void => {
        clearInterval(poll);
        resolve(packet);
      };
      waiter.resolve = done;
      waiter.timer = setTimeout(() => {
        // Look once more before giving up.
        this.readCapture();
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          done(this.queue.shift());
        }
      }, ms);
      this.waiters.push(waiter);
    });
  }

  /** Every packet captured and not yet taken, oldest first. */
  takeAll(): CapturedPacket[] {
    this.readCapture();
    return this.queue.splice(0);
  }

  /** Packets the capture socket had to drop since the last call (its buffer overflowed). */
  drops(): number {
    if (!this.stopped) {
      const stats = new Uint32Array(2);
      const len = new Uint32Array([8]);
      if (libc().getsockopt(this.captureFd, SOL_PACKET, PACKET_STATISTICS, stats, len) === 0) this.dropped += stats[1]!;
    }
    return this.dropped;
  }

  /** Stops watching; waiters get undefined. The descriptors are closed by the owner. */
  stop(): void {
    if (this.stopped && this.capturePoll === undefined) return;
    this.stopped = true;
    this.capturePoll?.close();
    this.tunPoll?.close();
    this.capturePoll = undefined;
    this.tunPoll = undefined;
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve(this.queue.shift());
    }
    this.arena.release();
  }
}
