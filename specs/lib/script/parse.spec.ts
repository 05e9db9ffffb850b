import { expect } from "chai";
import type { Event, Expr, PacketSpec, Script, SyscallSpec, TcpSpec } from "../../../lib/script/ast";
import { stripSpans } from "../../../lib/script/ast-equal";
import { parseScript, type ParseOptions } from "../../../lib/script/parse";

function ok(text: string, opts: Partial<ParseOptions> = {}): Script {
  const r = parseScript(text, { file: "t.pkt", ...opts });
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).to.deep.equal([]);
  return r.script!;
}

/** Parses a script of one event after a `0 socket(...)` line and returns that event. */
function event(line: string, opts: Partial<ParseOptions> = {}): Event {
  return ok(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n${line}\n`, opts).events[1]!;
}

function packet(line: string, opts: Partial<ParseOptions> = {}): PacketSpec {
  const e = event(line, opts);
  if (e.kind !== "packet") throw new Error("not a packet");
  return e.packet;
}

function tcp(line: string): TcpSpec {
  const body = packet(line).body;
  if (body.kind !== "tcp") throw new Error("not tcp");
  return body;
}

function call(line: string, opts: Partial<ParseOptions> = {}): SyscallSpec {
  const e = event(line, opts);
  if (e.kind !== "syscall") throw new Error("not a syscall");
  return e.call;
}

const noSpans = <T>(x: T): T => stripSpans(x);

describe("script/parse: event times", () => {
  it("converts seconds as written to exact microseconds", () => {
    const s = ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0.57 close(3) = 0\n0.100~0.2 > . 1:1(0) ack 1\n");
    expect(noSpans(s.events[1]!.time)).to.deep.equal({ kind: "relative", offset: { usecs: 570000, text: "0.57" } });
    expect(noSpans(s.events[2]!.time)).to.deep.equal({
      kind: "absolute-range",
      start: { usecs: 100000, text: "0.100" },
      end: { usecs: 200000, text: "0.2" },
    });
  });

  it("parses `*`, relative ranges and blocking end times", () => {
    expect(event("* > . 1:1(0) ack 1").time.kind).to.equal("any");
    expect(noSpans(event("+.004~+.008 > P. 1:2(1) ack 1").time)).to.deep.equal({
      kind: "relative-range",
      start: { usecs: 4000, text: ".004" },
      end: { usecs: 8000, text: ".008" },
    });
    expect(noSpans(call("+0...0.1 read(3, ..., 10) = 10").end)).to.deep.equal({ usecs: 100000, text: "0.1" });
  });
});

describe("script/parse: packets", () => {
  it("builds an outbound expectation with absent fields left out", () => {
    const t = tcp("+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>");
    expect(t.flags).to.include({ text: "S.", syn: true, ack: true, fin: false });
    expect(noSpans(t.seq)).to.deep.equal({ start: 0, end: 0, length: 0 });
    expect(t.ack?.value).to.equal(1);
    expect(t.window).to.equal(undefined);
    expect(noSpans(t.options)).to.deep.equal({
      kind: "list",
      options: [
        { kind: "mss", value: { kind: "number", value: 1460 } },
        { kind: "sackOK" },
        { kind: "timestamp", val: 100, ecr: 0 },
        { kind: "nop" },
        { kind: "wscale", shift: 7 },
      ],
    });
  });

  it("parses wildcards, SACK blocks, Fast Open cookies and MD5 digests", () => {
    expect(tcp("+0 > S 0:0(0) <...>").options?.kind).to.equal("any");
    expect(noSpans(tcp("+0 < . 1:1(0) ack 1 win 9 <sack 1:2 3:4,nop,nop>").options)).to.deep.equal({
      kind: "list",
      options: [{ kind: "sack", blocks: [{ left: 1, right: 2 }, { left: 3, right: 4 }] }, { kind: "nop" }, { kind: "nop" }],
    });
    const o = tcp("+0 > S 0:0(0) <FO,FOEXP 1234,md5 00aa,nop,nop,wscale *,nop,nop,nop>").options;
    expect(noSpans(o)).to.deep.equal({
      kind: "list",
      options: [
        { kind: "fastopen", cookie: "" },
        { kind: "fastopen-exp", cookie: "1234" },
        { kind: "md5", digest: "00aa" },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "wscale", shift: "*" },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "nop" },
      ],
    });
  });

  it("keeps a define's name on values it supplied, and `mss NAME` as a symbol", () => {
    const line = "+0 > S 0:0(0) <mss MSS,FOEXP TFO_COOKIE,nop,nop>";
    const undefinedMss = packet(line, { defines: { TFO_COOKIE: "abcd" } }).body;
    expect(undefinedMss.kind === "tcp" && noSpans(undefinedMss.options)).to.deep.equal({
      kind: "list",
      options: [
        { kind: "mss", value: { kind: "symbol", name: "MSS" } },
        { kind: "fastopen-exp", cookie: "abcd", define: "TFO_COOKIE" },
        { kind: "nop" },
        { kind: "nop" },
      ],
    });
    const definedMss = packet(line, { defines: { TFO_COOKIE: "abcd", MSS: "1400" } }).body;
    expect(definedMss.kind === "tcp" && noSpans(definedMss.options?.kind === "list" && definedMss.options.options[0])).to.deep.equal({
      kind: "mss",
      value: { kind: "number", value: 1400 },
      define: "MSS",
    });
  });

  it("reads AccECN ACE digits and ECN flags", () => {
    expect(tcp("+0 > .5 1:1(0) ack 1").flags).to.include({ text: ".5", ack: true, ace: 5, ece: true, cwr: false, ae: true });
    expect(tcp("+0 > SEW 0:0(0) <...>").flags).to.include({ text: "SEW", syn: true, ece: true, cwr: true, ae: false });
    expect(tcp("+0 < - 1:1(0) win 9").flags.text).to.equal("");
  });

  it("parses IP marks, explicit ports and encapsulation prefixes", () => {
    const p = packet("+0 < ipv4 (tos 0x10) 2.2.2.2 > 1.1.1.1: gre: mpls (label 1, tc 2, [S], ttl 3): [ect0] 1 > 2 . 1:1(0) ack 1 win 9");
    expect(noSpans(p.layers)).to.deep.equal([
      { kind: "ipv4", ip: { bracket: "(", tos: { kind: "tos", value: 16 } }, src: "2.2.2.2", dst: "1.1.1.1" },
      { kind: "gre" },
      { kind: "mpls", entries: [{ label: 1, tc: 2, bottom: true, ttl: 3 }] },
    ]);
    expect(noSpans(p.ip)).to.deep.equal({ bracket: "[", tos: { kind: "ecn", ecn: "ect0" } });
    expect(p.body.kind === "tcp" && noSpans(p.body.ports)).to.deep.equal({ src: 1, dst: 2 });
  });

  it("parses GRE headers and PSP encapsulation", () => {
    const gre = packet("+0 < ipv6 2::2 > 1::1 : gre flags 0xb000, sum 511, off 1023, key 0x80001234, seq 512: . 1:1(0) ack 1 win 1");
    expect(noSpans(gre.layers[1])).to.deep.equal({
      kind: "gre",
      header: {
        flags: { kind: "number", value: 0xb000, text: "0xb000" },
        sum: { value: 511, text: "511" },
        off: { value: 1023, text: "1023" },
        key: { value: 0x80001234, text: "0x80001234" },
        keyEquals: false,
        seq: { value: 512, text: "512" },
      },
    });
    const psp = tcp("+0 < encap psp spi 7, vc 0x12 . 1:1(0) ack 1 win 5");
    expect(noSpans(psp.encap)).to.deep.equal({ spi: { value: 7, text: "7" }, vc: { keyword: "vc", value: { value: 18, text: "0x12" } } });
  });

  it("parses UDP and ICMP packets with the echoed datagram", () => {
    expect(noSpans(packet("+0 > udp 1 > 2 (100)").body)).to.deep.equal({ kind: "udp", ports: { src: 1, dst: 2 }, length: { value: 100 } });
    const icmp = packet("+0 < icmp unreachable frag_needed mtu 1200 [0:1000(1000)]").body;
    expect(noSpans(icmp)).to.deep.equal({
      kind: "icmp",
      type: { name: "unreachable" },
      code: { name: "frag_needed" },
      mtu: { value: 1200 },
      echoed: { kind: "tcp", seq: { start: 0, end: 1000, length: 1000 } },
    });
  });
});

describe("script/parse: system calls", () => {
  it("parses arguments, results, errno and notes", () => {
    const c = call("+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
    expect(noSpans(c.args)).to.deep.equal([{ kind: "int", value: 3, text: "3" }, { kind: "ellipsis" }, { kind: "ellipsis" }]);
    expect(noSpans(c.result)).to.deep.equal({ kind: "int", value: -1, text: "-1" });
    expect(noSpans(c.errno)).to.deep.equal({ name: "EINPROGRESS", note: "Operation now in progress" });
    expect(noSpans(call("+0 close(3) = -1 (Invalid Argument)").note)).to.deep.equal({ text: "Invalid Argument" });
  });

  it("parses `|` right-associatively and `name=value`", () => {
    const e: Expr = call("+0 send(3, ..., 1, MSG_FASTOPEN|MSG_ZEROCOPY|MSG_MORE) = 1").args[3]!;
    expect(noSpans(e)).to.deep.equal({
      kind: "binary",
      op: "|",
      lhs: { kind: "word", name: "MSG_FASTOPEN" },
      rhs: { kind: "binary", op: "|", lhs: { kind: "word", name: "MSG_ZEROCOPY" }, rhs: { kind: "word", name: "MSG_MORE" } },
    });
    expect(noSpans(call("+0 setsockopt(3, SOL_TCP, TCP_INFO, {tcpi_state=1, x=2}, 4) = 0").args[3])).to.deep.equal({
      kind: "struct",
      items: [
        { kind: "binary", op: "=", lhs: { kind: "word", name: "tcpi_state" }, rhs: { kind: "int", value: 1, text: "1" } },
        { kind: "binary", op: "=", lhs: { kind: "word", name: "x" }, rhs: { kind: "int", value: 2, text: "2" } },
      ],
    });
  });

  it("decodes C escapes in strings and keeps the raw text", () => {
    const s = call('+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "\\xf7\\x63\\n\\"", 16) = 0').args[3]!;
    expect(noSpans(s)).to.deep.equal({ kind: "string", raw: '\\xf7\\x63\\n\\"', value: '\xf7\x63\n"', prefix: false });
    expect(call('+0 write(3, "ab"..., 2) = 2').args[1]).to.include({ kind: "string", prefix: true });
    expect(call('+0 write(3, "a" "b", 2) = 2').args[1]!.kind).to.equal("concat");
  });

  it("parses the struct literals packetdrill knows", () => {
    const sa = call('+0 connect(3, {sa_family=AF_INET6, sin_port=htons(8080), sin_addr=inet_addr("::1")}, 28) = 0').args[1];
    expect(noSpans(sa)).to.deep.equal({ kind: "sockaddr", family: "AF_INET6", port: 8080, address: "::1" });
    const msg = call("+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE, msg_control=[]}, MSG_ERRQUEUE) = 0");
    expect(noSpans(msg.args[1])).to.deep.equal({
      kind: "msghdr",
      iovlen: 1,
      iov: { kind: "list", items: [{ kind: "iovec", len: 0 }] },
      flags: { kind: "word", name: "MSG_ERRQUEUE" },
      control: { kind: "list", items: [] },
    });
    expect(call("+0 poll([{fd=3, events=POLLIN, revents=POLLIN}], 1, 0) = 1").args[0]).to.have.nested.property("items[0].kind", "pollfd");
    expect(call("+0 epoll_ctl(5, EPOLL_CTL_ADD, 3, {events=EPOLLIN, fd=3}) = 0").args[3]).to.include({ kind: "epoll-event", field: "fd" });
    expect(call("+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0").args[3]).to.include({ kind: "linger", onoff: 1 });
    expect(call("+0 close({}) = 0").args[0]).to.include({ kind: "mpls-stack" });
  });
});

describe("script/parse: options, commands, defines, modes", () => {
  it("parses options, the init and cleanup commands and `$VAR` references", () => {
    const s = ok("--tolerance_usecs=10000\n--define=X=\"y\"\n--strict_segments\n`init`\n0 close(3) = 0\n`rm /tmp/f_${PPID}`\n");
    expect(noSpans(s.options)).to.deep.equal([
      { kind: "option", name: "tolerance_usecs", value: { text: "10000", quoted: false } },
      { kind: "option", name: "define", value: { text: 'X="y"', quoted: false } },
      { kind: "option", name: "strict_segments" },
    ]);
    expect(s.initCommand?.text).to.equal("init");
    expect(noSpans(s.cleanupCommand?.variables)).to.deep.equal([{ name: "PPID" }]);
  });

  it("applies in-script --define after the options, and the caller's defines win", () => {
    const text = "--define=CODE=host_unreachable\n0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 < icmp unreachable CODE\n";
    const a = ok(text);
    expect(a.events[1]!.kind === "packet" && a.events[1]!.packet.body).to.deep.include({ kind: "icmp" });
    const b = parseScript(text, { file: "t.pkt", defines: { CODE: "port_unreachable" } });
    const body = b.script!.events[1]!.kind === "packet" ? b.script!.events[1]!.packet.body : undefined;
    expect(body?.kind === "icmp" && body.code?.name).to.equal("port_unreachable");
  });

  it("checks ICMP names for the mode's ICMP version; the caller's mode overrides the script's", () => {
    const text = "--ip_version=ipv6\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < icmp packet_too_big mtu 1280\n";
    expect(parseScript(text, { file: "t.pkt" }).diagnostics).to.deep.equal([]);
    expect(parseScript(text, { file: "t.pkt" }).ipVersion).to.equal("ipv6");
    const v4 = parseScript(text, { file: "t.pkt", ipVersion: "ipv4-mapped-ipv6" });
    expect(v4.diagnostics.map((d) => d.code)).to.deep.equal(["E-icmp-type"]);
  });

  it("recovers after a syntax error and reports every error in the file", () => {
    const r = parseScript("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > S 0:0 ack\n+0 < . 1:1(0) win\n+0 close(3) = 0\n", { file: "t.pkt" });
    expect(r.script).to.equal(undefined);
    expect(r.diagnostics.map((d) => `${d.span!.start.line}:${d.code}`)).to.deep.equal(["2:E-syntax", "3:E-syntax"]);
    expect(r.partial.events.map((e) => e.kind)).to.deep.equal(["syscall", "syscall"]);
  });
});
