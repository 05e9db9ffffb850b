import { expect } from "chai";
import { actionLateness, summarizeLateness } from "../../../lib/trace/lateness";
import type { Trace, TraceEntry } from "../../../lib/trace/types";

const trace = (entries: TraceEntry[]): Trace => ({ script: "t.pkt", mode: "ipv4", target: "kernel", verdict: "pass", entries, wallMs: 0, scriptedUsecs: 0 });
const src = { line: 1 };

describe("lib/trace/lateness", () => {
  it("takes injections' and calls' starts against their scripted instants; sniffs and undated entries do not count", () => {
    const t = trace([
      { kind: "syscall", start: 130, end: 150, due: 100, source: src, call: "x()", ret: 0 },
      { kind: "inject", time: 1050, due: 1000, source: src, hex: "", text: "" },
      { kind: "sniff", time: 5000, hex: "", text: "", matched: true },
      { kind: "inject", time: 2000, source: src, hex: "", text: "" },
      { kind: "syscall", start: 2990, end: 3000, due: 3000, source: src, call: "y()", ret: 0 },
    ]);
    expect(actionLateness(t)).to.deep.equal([30, 50, 0]);
  });

  it("summarizes every run's actions together with nearest-rank percentiles", () => {
    const runs = [1, 2].map((k) =>
      trace(Array.from({ length: 50 }, (_, i): TraceEntry => ({ kind: "inject", time: 1000 * i + k * 50 + i, due: 1000 * i, source: src, hex: "", text: "" }))),
    );
    // Lateness 50+i for run 1 and 100+i for run 2, i = 0..49: 100 values from 50 to 149.
    expect(summarizeLateness(runs)).to.deep.equal({ actions: 100, p50: 99, p90: 139, p99: 148, max: 149 });
    expect(summarizeLateness([])).to.deep.equal({ actions: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });
});
