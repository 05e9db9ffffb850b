/**
 * What the runner knows about the script's sockets while it plays a script: the fd table
 * (script fd ↔ live fd) and the connection under test, as packetdrill keeps them (run.h).
 */
import { Connection, type Endpoint } from "../../lib/match/space";
import { canonicalAddress } from "../../lib/wire";
import type { RunConfig } from "./config";

export interface FdEntry {
  readonly scriptFd: number;
  readonly liveFd: number;
  readonly conn?: Connection;
}

export class RunState {
  readonly config: RunConfig;
  /** packetdrill's socket_under_test: script packets are about this connection. */
  conn: Connection | undefined;
  readonly connections: Connection[] = [];
  private readonly fds = new Map<number, FdEntry>();
  private nextPort: number;

  constructor(config: RunConfig) {
    this.config = config;
    // Any free port works inside the run's own namespace; packetdrill asks the kernel for one.
    this.nextPort = 40_000;
  }

  /** A fresh remote port for a passive child (run_packet.c: next_ephemeral_port). */
  ephemeralPort(): number {
    return this.nextPort++;
  }

  addFd(entry: FdEntry): void {
    this.fds.set(entry.scriptFd, entry);
  }

  liveFd(scriptFd: number): number | undefined {
    return this.fds.get(scriptFd)?.liveFd;
  }

  fdEntry(scriptFd: number): FdEntry | undefined {
    return this.fds.get(scriptFd);
  }

  closeFd(scriptFd: number): void {
    this.fds.delete(scriptFd);
  }

  openFds(): FdEntry[] {
    return [...this.fds.values()];
  }

  newConnection(protocol: Connection["protocol"], phase: Connection["phase"], scriptFd: number, liveFd: number): Connection {
    const c = new Connection(protocol, phase, scriptFd, liveFd);
    this.connections.push(c);
    this.conn = c;
    return c;
  }

  /** Local endpoint of the run (wire form: IPv4 text in ipv4-mapped-ipv6 mode). */
  /** Local endpoint of the run, in the canonical text form the codec decodes to (RFC 5952). */
  localEndpoint(port: number): Endpoint {
    return { ip: canonicalAddress(this.config.localIp) ?? this.config.localIp, port };
  }

  remoteEndpoint(port: number): Endpoint {
    return { ip: canonicalAddress(this.config.remoteIp) ?? this.config.remoteIp, port };
  }
}
