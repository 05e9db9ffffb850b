/**
 * An arriving segment as the state machine reads it (RFC 9293 §3.10.7 names): SEG.SEQ, SEG.ACK,
 * SEG.LEN (payload plus SYN and FIN), and the options parsed the way tcp_parse_options does.
 */
import { seq, seqAdd, type Seq } from "../wire/seq";
import type { TcpRepr } from "../wire/types";

export interface SegOptions {
  mss?: number;
  wscale?: number;
  sackOk: boolean;
  ts?: { val: number; ecr: number };
  sack: { left: Seq; right: Seq }[];
}

export interface Seg {
  readonly tcp: TcpRepr;
  readonly seq: Seq;
  readonly ack: Seq;
  readonly syn: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly hasAck: boolean;
  readonly psh: boolean;
  /** Payload bytes. */
  readonly dataLen: number;
  /** SEG.SEQ + SEG.LEN (SYN and FIN each count one). */
  readonly end: Seq;
  /** Raw window field (scale it with the connection's snd_wscale unless SYN). */
  readonly window: number;
  readonly opts: SegOptions;
  readonly ece: boolean;
  readonly cwr: boolean;
}

export function parseSegment(tcp: TcpRepr): Seg {
  const opts: SegOptions = { sackOk: false, sack: [] };
  for (const o of tcp.options) {
    switch (o.kind) {
      case "mss":
        if (opts.mss === undefined) opts.mss = o.mss;
        break;
      case "wscale":
        if (opts.wscale === undefined) opts.wscale = o.shift;
        break;
      case "sackOK":
        opts.sackOk = true;
        break;
      case "timestamp":
        if (opts.ts === undefined) opts.ts = { val: o.val >>> 0, ecr: o.ecr >>> 0 };
        break;
      case "sack":
        for (const b of o.blocks) opts.sack.push({ left: b.left, right: b.right });
        break;
      default:
        break;
    }
  }
  const f = tcp.flags;
  const dataLen = tcp.payload.length;
  const s = seq(tcp.seq);
  return {
    tcp,
    seq: s,
    ack: seq(tcp.ack),
    syn: f.syn,
    fin: f.fin,
    rst: f.rst,
    hasAck: f.ack,
    psh: f.psh,
    dataLen,
    end: seqAdd(s, dataLen + (f.syn ? 1 : 0) + (f.fin ? 1 : 0)),
    window: tcp.window,
    opts,
    ece: f.ece,
    cwr: f.cwr,
  };
}
