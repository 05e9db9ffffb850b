import { expect } from "chai";
import { ccInfoAssignments, memInfoAssignments, tcpInfoAssignments, TCP_INFO_VARS } from "../../../lib/code/snapshot-vars";
import { PYTHON_ERROR, pythonFailure, pythonProgram, scriptLineOf, type CodeFragment } from "../../../lib/code/python-program";

const asMap = (as: readonly (readonly [string, bigint])[]): Map<string, bigint> => new Map(as.map(([n, v]) => [n, v]));

describe("lib/code/snapshot-vars", () => {
  it("TCP_INFO: packetdrill's constants first, then the fields the snapshot has, in packetdrill's order", () => {
    const as = tcpInfoAssignments({ snd_cwnd: 10, state: 1, options: 7, rtt: 1234 });
    const names = as.map(([n]) => n);
    expect(names.slice(0, 3)).to.deep.equal(["TCP_ESTABLISHED", "TCP_SYN_SENT", "TCP_SYN_RECV"]);
    expect(names.filter((n) => n.startsWith("tcpi_"))).to.deep.equal(["tcpi_state", "tcpi_options", "tcpi_rtt", "tcpi_snd_cwnd"]);
    const m = asMap(as);
    expect(m.get("TCP_LISTEN")).to.equal(10n);
    expect(m.get("TCP_CA_Recovery")).to.equal(3n);
    expect(m.get("TCPI_OPT_SYN_DATA")).to.equal(32n);
    expect(m.get("tcpi_snd_cwnd")).to.equal(10n);
    // packetdrill defines neither of these: a script using them must fail as it would there.
    expect(m.has("TCPI_OPT_SACK")).to.equal(false);
    expect(m.has("tcpi_delivered_e1_bytes")).to.equal(false);
  });

  it("TCP_INFO: the ~0 u64 the decoder turns into Infinity is written as 2^64-1; the newest fields are exposed", () => {
    const m = asMap(tcpInfoAssignments({ max_pacing_rate: Infinity, total_rto_time: 5, rcv_ooopack: 2 }));
    expect(m.get("tcpi_max_pacing_rate")).to.equal(18446744073709551615n);
    expect(m.get("tcpi_total_rto_time")).to.equal(5n);
    expect(m.get("tcpi_rcv_ooopack")).to.equal(2n);
    expect(TCP_INFO_VARS).to.include.members(["busy_time", "sndbuf_limited", "reord_seen", "total_rto_recoveries"]);
  });

  it("TCP_CC_INFO: nothing for an empty answer (cubic), every union layout that fits otherwise", () => {
    expect(ccInfoAssignments(new Uint8Array(0))).to.deep.equal([]);
    const bbr = new Uint8Array(20);
    const v = new DataView(bbr.buffer);
    v.setUint32(0, 0x10, true); // bw_lo
    v.setUint32(4, 0x2, true); // bw_hi
    v.setUint32(8, 5000, true); // min_rtt
    v.setUint32(12, 739, true); // pacing_gain
    v.setUint32(16, 512, true); // cwnd_gain
    const m = asMap(ccInfoAssignments(bbr));
    expect(m.get("bbr_bw")).to.equal((2n << 32n) + 16n);
    expect(m.get("bbr_min_rtt")).to.equal(5000n);
    expect(m.get("bbr_cwnd_gain")).to.equal(512n);
    // The same bytes read as tcp_dctcp_info (u16, u16, u32…) and tcpvegas_info, as packetdrill does.
    expect(m.get("dctcp_enabled")).to.equal(0x10n);
    expect(m.get("dctcp_alpha")).to.equal(2n);
    expect(m.get("tcp_rtt")).to.equal(5000n);
    expect(m.get("tcp_minrtt")).to.equal(739n);
    const dctcp = asMap(ccInfoAssignments(new Uint8Array(16)));
    expect(dctcp.has("bbr_bw")).to.equal(false);
    expect(dctcp.has("dctcp_ab_tot")).to.equal(true);
    expect(dctcp.has("tcpv_rttcnt")).to.equal(true);
  });

  it("SO_MEMINFO: the nine SK_MEMINFO_* counters by index, nothing for a short answer", () => {
    const m = asMap(memInfoAssignments([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(m.get("SK_MEMINFO_RMEM_ALLOC")).to.equal(1n);
    expect(m.get("SK_MEMINFO_SNDBUF")).to.equal(4n);
    expect(m.get("SK_MEMINFO_DROPS")).to.equal(9n);
    expect(memInfoAssignments([1, 2, 3])).to.deep.equal([]);
  });
});

describe("lib/code/python-program", () => {
  const fragment = (line: number, code: string, cwnd: number, codeLine = line): CodeFragment => ({ line, codeLine, code, snapshot: { tcpInfo: { snd_cwnd: cwnd }, ccInfo: new Uint8Array(0), memInfo: [0, 0, 0, 0, 0, 0, 0, 0, 0] } });
  const program = pythonProgram("x.pkt", [fragment(5, "a = tcpi_snd_cwnd", 10), fragment(9, "assert a == 10\nassert tcpi_snd_cwnd == 20, tcpi_snd_cwnd", 20, 10)]);
  const lines = program.source.split("\n");

  it("puts each block after its own snapshot, with _file and _line naming the block", () => {
    const first = program.starts[0]! - 1;
    const second = program.starts[1]! - 1;
    expect(lines[first]).to.equal("a = tcpi_snd_cwnd");
    expect(lines[first - 1]).to.equal("_line = 5");
    expect(lines[first - 2]).to.equal('_file = "x.pkt"');
    expect(lines.slice(first, second).filter((l) => l === "tcpi_snd_cwnd = 20")).to.have.length(1);
    expect(lines.slice(0, first).filter((l) => l === "tcpi_snd_cwnd = 10")).to.have.length(1);
    expect(lines[second - 1]).to.equal("_line = 9");
    expect(lines.slice(second, second + 2)).to.deep.equal(["assert a == 10", "assert tcpi_snd_cwnd == 20, tcpi_snd_cwnd"]);
    expect(lines.some((l) => l.startsWith("SK_MEMINFO_DROPS = "))).to.equal(true);
    expect(program.source).to.include(PYTHON_ERROR);
  });

  it("maps generated lines back to script lines (and nothing outside the blocks)", () => {
    expect(scriptLineOf(program, program.starts[0]!)).to.deep.equal({ fragment: 0, line: 5 });
    expect(scriptLineOf(program, program.starts[1]! + 1)).to.deep.equal({ fragment: 1, line: 11 });
    expect(scriptLineOf(program, 1)).to.equal(undefined);
    expect(scriptLineOf(program, program.starts[1]! - 1)).to.equal(undefined);
  });

  it("reads an exception report: the block from the marker, the traceback in script lines", () => {
    const stderr = [
      `x.pkt:9: ${PYTHON_ERROR}`,
      "Traceback (most recent call last):",
      `  File "/tmp/d/code.py", line ${program.starts[1]! + 1}, in <module>`,
      "AssertionError: 10",
      "",
    ].join("\n");
    const f = pythonFailure(program, "/tmp/d/code.py", "x.pkt", stderr);
    expect(f.fragment).to.equal(1);
    expect(f.text).to.equal(['Traceback (most recent call last):', '  File "x.pkt", line 11, in <module>', "AssertionError: 10"].join("\n"));
  });

  it("locates a SyntaxError (reported before any block runs, so without the marker) by its generated line", () => {
    const stderr = `  File "/tmp/d/code.py", line ${program.starts[0]!}\n    a = = 1\n        ^\nSyntaxError: invalid syntax\n`;
    const f = pythonFailure(program, "/tmp/d/code.py", "x.pkt", stderr);
    expect(f.fragment).to.equal(0);
    expect(f.text).to.include('File "x.pkt", line 5').and.include("SyntaxError");
  });
});
