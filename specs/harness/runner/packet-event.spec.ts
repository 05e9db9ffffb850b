// The runner's packet event against a scripted fake target: which live packets belong to the
// connection under test while other connections of the same script still send (packetdrill:
// find_socket_for_live_packet / find_connect_for_live_packet).
import { expect } from "chai";
import { defaultConfig } from "../../../harness/runner/config";
import { connectionFor, inject, PacketFailure, sniff } from "../../../harness/runner/packet-event";
import { applyScriptOptions } from "../../../harness/runner/run-job";
import { RunState } from "../../../harness/runner/state";
import type { Emitted, Target } from "../../../harness/target/target";
import { decodePacket, encodePacket, seq, type PacketRepr } from "../../../lib/wire";
import { parseScript } from "../../../lib/script";
import { ipFor, tcp, tcpPacket } from "../../../lib/wire/build";
import { packetSpec } from "../../lib/match/packet-spec";

/** A target that hands out the given packets in order, then nothing (deadline passed). */
function packetsTarget(packets: readonly PacketRepr[], injected: Uint8Array[] = []): Target {
  const queue: Emitted[] = packets.map((p, i) => ({ bytes: encodePacket(p), time: 1000 + i }));
  const unused = (): never => {
    throw new Error("not used by these specs");
  };
  return {
    kind: "kernel",
    now: () => 0,
    sleepUntil: async () => undefined,
    nextPacket: async () => queue.shift(),
    inject: async (bytes) => {
      injected.push(bytes);
    },
    syscall: unused,
    tcpState: () => undefined,
    exec: unused,
    close: async () => undefined,
  };
}

const local = "192.168.0.1";
const remote = "192.0.2.1";

/** The state after `socket()` + `connect()` on a fresh fd, with an older connection still around. */
function secondConnect(): { state: RunState; oldPort: number } {
  const state = new RunState(defaultConfig("ipv4"));
  const old = state.newConnection("tcp", "active-syn-acked", 4, 40);
  old.liveLocal = { ip: local, port: 45240 };
  old.liveRemote = { ip: remote, port: 8080 };
  old.liveLocalIsn = seq(1000);
  const conn = state.newConnection("tcp", "active-connecting", 5, 41);
  conn.liveRemote = { ip: remote, port: 8080 };
  return { state, oldPort: 45240 };
}

describe("harness/runner/packet-event", () => {
  describe("sniff", () => {
    it("finds a new connection's bare SYN behind the FIN of the script's previous connection", async () => {
      const { state, oldPort } = secondConnect();
      const spec = packetSpec("> S 0:0(0) <mss 1460>");
      const conn = connectionFor(spec, state);
      const fin = tcpPacket(ipFor(local, remote), tcp({ srcPort: oldPort, dstPort: 8080, seq: seq(1001), ack: seq(1), flags: { fin: true, ack: true } }));
      const syn = tcpPacket(ipFor(local, remote), tcp({ srcPort: 45242, dstPort: 8080, seq: seq(777), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }] }));
      const sniffed = await sniff(spec, conn, packetsTarget([fin, syn]), 10_000, false);
      expect(sniffed, "the SYN is found").to.not.equal(undefined);
      expect(sniffed!.seen.map((s) => s.ours)).to.deep.equal([false, true]);
      expect(conn.liveLocal).to.deep.equal({ ip: local, port: 45242 });
      expect(conn.liveLocalIsn).to.equal(777);
    });

    it("drops a leftover SYN of the previous connection once the new connect's own SYN arrives from another port", async () => {
      const { state, oldPort } = secondConnect();
      const spec = packetSpec("> S 0:800(800) <mss 1460>");
      const conn = connectionFor(spec, state);
      // The old connection's retransmitted bare SYN (it looks like a connect's SYN: same remote).
      const stale = tcpPacket(ipFor(local, remote), tcp({ srcPort: oldPort, dstPort: 8080, seq: seq(999), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }, { kind: "sackOK" }, { kind: "nop" }, { kind: "nop" }] }));
      const syn = tcpPacket(ipFor(local, remote), tcp({ srcPort: 45244, dstPort: 8080, seq: seq(555), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }], payload: new Uint8Array(800) }));
      const sniffed = await sniff(spec, conn, packetsTarget([stale, syn]), 10_000, false);
      expect(sniffed!.seen.map((s) => s.ours)).to.deep.equal([false, true]);
      expect(sniffed!.live).to.equal(sniffed!.seen[1]!.packet);
      expect(conn.liveLocal).to.deep.equal({ ip: local, port: 45244 });
      expect(conn.liveLocalIsn).to.equal(555);
    });

    it("finds nothing when only other connections sent", async () => {
      const { state, oldPort } = secondConnect();
      const spec = packetSpec("> S 0:0(0) <mss 1460>");
      const conn = connectionFor(spec, state);
      const fin = tcpPacket(ipFor(local, remote), tcp({ srcPort: oldPort, dstPort: 8080, seq: seq(1001), ack: seq(1), flags: { fin: true, ack: true } }));
      expect(await sniff(spec, conn, packetsTarget([fin]), 10_000, false)).to.equal(undefined);
    });
  });

  describe("inject", () => {
    /** A SYN-ACK whose TS ecr (9999) no outbound TS val stood for, after the SYN mapped val 1 → 5000. */
    async function synAckWithStrayEcr(scriptText: string): Promise<{ injected: Uint8Array[]; error: unknown }> {
      const parsed = parseScript(scriptText, { file: "spec.pkt", ipVersion: "ipv4" });
      const config = applyScriptOptions(parsed.script!, defaultConfig("ipv4"));
      const state = new RunState(config);
      const conn = state.newConnection("tcp", "active-syn-sent", 3, 30);
      conn.liveLocal = { ip: local, port: 45000 };
      conn.liveRemote = { ip: remote, port: 8080 };
      conn.scriptLocalIsn = seq(0);
      conn.liveLocalIsn = seq(100);
      conn.mapOutboundTsVal(1, 5000);
      const injected: Uint8Array[] = [];
      const spec = packetSpec("< S. 1000000:1000000(0) ack 1001 win 5840 <mss 1040,TS val 1000000 ecr 9999,sackOK,nop,wscale 6>");
      try {
        await inject(spec, conn, packetsTarget([], injected), state);
        return { injected, error: undefined };
      } catch (e) {
        return { injected, error: e };
      }
    }

    it("interpolates an unseen TS ecr from the first TS val pairing when the script says --tcp_ts_ecr_scaled", async () => {
      const r = await synAckWithStrayEcr("--tcp_ts_ecr_scaled\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
      expect(r.error).to.equal(undefined);
      const p = decodePacket(r.injected[0]!);
      const ts = p.l4.protocol === "tcp" ? p.l4.tcp.options.find((o) => o.kind === "timestamp") : undefined;
      // run_packet.c: live ecr = script ecr − first script val + first live val.
      expect(ts).to.deep.equal({ kind: "timestamp", val: 1000000, ecr: 9999 - 1 + 5000 });
    });

    it("refuses that ecr without --tcp_ts_ecr_scaled", async () => {
      const r = await synAckWithStrayEcr("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
      expect(r.error).to.be.instanceOf(PacketFailure);
      expect((r.error as Error).message).to.match(/unable to infer live TS ecr for script TS ecr 9999/);
      expect(r.injected).to.have.length(0);
    });
  });
});
