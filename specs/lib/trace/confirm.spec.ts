import { expect } from "chai";
import { confirmationOf, defaultConfirmPolicy, describeRepeats, needsConfirmation, outcomeKey, outcomeText, representative, settled } from "../../../lib/trace/confirm";
import type { Trace } from "../../../lib/trace/types";

const run = (over: Partial<Trace> & { line?: number; code?: string } = {}): Trace => {
  const { line, code, ...rest } = over;
  const failed = rest.verdict !== undefined && rest.verdict !== "pass";
  return {
    script: "t.pkt",
    mode: "ipv4",
    target: "kernel",
    verdict: "pass",
    entries: [],
    wallMs: 100,
    scriptedUsecs: 0,
    ...(failed
      ? { failure: { code: code ?? "E-timing", severity: "error", message: "timing error", span: { file: "t.pkt", start: { line: line ?? 18, col: 4, offset: 0 }, end: { line: line ?? 18, col: 9, offset: 5 } } } }
      : {}),
    ...rest,
  } as Trace;
};

describe("lib/trace/confirm", () => {
  it("confirms short kernel failures and passes that came close to a window's edge", () => {
    const p = defaultConfirmPolicy;
    expect(needsConfirmation(run({ verdict: "fail" }), p)).to.equal(true);
    expect(needsConfirmation(run({ verdict: "pass", timingMarginUs: 30 }), p)).to.equal(true);
    expect(needsConfirmation(run({ verdict: "pass", timingMarginUs: 900 }), p)).to.equal(true);
    expect(needsConfirmation(run({ verdict: "pass", timingMarginUs: 1000 }), p)).to.equal(false);
    expect(needsConfirmation(run({ verdict: "pass", timingMarginUs: -1 }), p)).to.equal(true);
    expect(needsConfirmation(run({ verdict: "pass", timingMarginUs: 2000 }), p)).to.equal(false);
    expect(needsConfirmation(run({ verdict: "pass" }), p)).to.equal(false);
  });

  it("never repeats errors, model runs, long runs, or anything when repeats are off", () => {
    const p = defaultConfirmPolicy;
    expect(needsConfirmation(run({ verdict: "error", code: "E-parse" }), p)).to.equal(false);
    expect(needsConfirmation(run({ verdict: "fail", target: "model" }), p)).to.equal(false);
    expect(needsConfirmation(run({ verdict: "fail", wallMs: 20_000 }), p)).to.equal(false);
    expect(needsConfirmation(run({ verdict: "fail" }), { ...p, repeats: 0 })).to.equal(false);
  });

  it("compares outcomes by verdict, failing line and code, not by message", () => {
    expect(outcomeKey(run())).to.equal("pass");
    expect(outcomeKey(run({ verdict: "fail", line: 84 }))).to.equal("fail:84:E-timing");
    expect(outcomeKey(run({ verdict: "fail", line: 84 }))).to.equal(outcomeKey({ ...run({ verdict: "fail", line: 84 }), wallMs: 5 }));
    expect(outcomeKey(run({ verdict: "fail", line: 103, code: "E-packet-mismatch" }))).to.not.equal(outcomeKey(run({ verdict: "fail", line: 84 })));
    expect(outcomeText(run({ verdict: "fail", line: 18 }))).to.equal("fail at line 18 (E-timing)");
  });

  it("is settled once an outcome has a majority of the runs allowed, or no run is left", () => {
    const pass = run();
    const fail = run({ verdict: "fail" });
    expect(settled([fail], 2)).to.equal(false);
    expect(settled([fail, fail], 2)).to.equal(true);
    expect(settled([fail, pass], 2)).to.equal(false);
    expect(settled([fail, pass, pass], 2)).to.equal(true);
    expect(settled([fail, pass, run({ verdict: "fail", line: 35 })], 2)).to.equal(true);
    expect(settled([fail], 0)).to.equal(true);
    expect(settled([fail, pass, pass], 4)).to.equal(false);
  });

  it("stands for the runs with the majority's first run, and says how the others went", () => {
    const first = run({ verdict: "fail", line: 18, wallMs: 1 });
    const second = run({ wallMs: 2 });
    const third = run({ wallMs: 3 });
    const r = representative([first, second, third]);
    expect(r.verdict).to.equal("pass");
    expect(r.wallMs).to.equal(2);
    expect(r.repeats).to.deep.equal({ runs: 3, agreeing: 2, others: ["fail at line 18 (E-timing)"] });
    // Unanimous: the first run, no others.
    expect(representative([first, { ...first, wallMs: 9 }]).repeats).to.deep.equal({ runs: 2, agreeing: 2, others: [] });
    expect(representative([first, { ...first, wallMs: 9 }]).wallMs).to.equal(1);
    // No majority (three outcomes): the earliest.
    expect(representative([first, second, run({ verdict: "fail", line: 35 })]).verdict).to.equal("fail");
    // One run stands for itself, unmarked.
    expect(representative([second])).to.equal(second);
    expect(() => representative([])).to.throw(RangeError);
  });

  it("describes the repeats for the report, and picks the confirmed and split runs out of many", () => {
    const split = representative([run({ verdict: "fail", line: 18 }), run(), run()]);
    const unanimous = representative([run({ verdict: "fail" }), run({ verdict: "fail" })]);
    expect(describeRepeats(split.repeats!)).to.equal("2 of 3 runs (other: fail at line 18 (E-timing))");
    expect(describeRepeats(unanimous.repeats!)).to.equal("2 of 2 runs");
    const { repeated, split: notUnanimous } = confirmationOf([split, unanimous, run()]);
    expect(repeated).to.deep.equal([split, unanimous]);
    expect(notUnanimous).to.deep.equal([split]);
  });
});
