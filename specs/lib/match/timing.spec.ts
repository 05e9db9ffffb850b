import { expect } from "chai";
import { AnchorLag, defaultTiming, resolveTime, timingMargin, toleranceFor, verifyTime } from "../../../lib/match/timing";

describe("lib/match/timing", () => {
  it("uses the fixed tolerance for short gaps and 12.5% of long ones", () => {
    expect(toleranceFor(defaultTiming, 100_000, 90_000)).to.equal(4000);
    expect(toleranceFor(defaultTiming, 100_000, 0)).to.equal(12_500);
    expect(toleranceFor(defaultTiming, 60_000_000, 0)).to.equal(7_500_000);
    expect(toleranceFor(defaultTiming, 100_000, undefined)).to.equal(4000);
  });

  it("anchors a relative time to now, or to the previous inbound packet when both are inbound", () => {
    expect(resolveTime("relative", 100_000, 100_000, 5_123, { at: 0, anchored: false }, true).at).to.equal(105_123);
    expect(resolveTime("relative", 100_000, 100_000, 5_123, { at: 2_000, anchored: true }, true).at).to.equal(102_000);
    expect(resolveTime("relative", 100_000, 100_000, 5_123, { at: 2_000, anchored: true }, false).at).to.equal(105_123);
    const range = resolveTime("relative-range", 1_000, 3_000, 10_000, undefined, false);
    expect([range.at, range.end, range.offset]).to.deep.equal([11_000, 13_000, 10_000]);
    expect(resolveTime("absolute", 7, 7, 99, undefined, false).at).to.equal(7);
  });

  it("measures how far inside its window an event came: to the nearer edge, negative outside", () => {
    const t = resolveTime("absolute", 300_000, 300_000, 0, undefined, false);
    expect(timingMargin(defaultTiming, t, 300_000, 290_000)).to.equal(4000);
    expect(timingMargin(defaultTiming, t, 303_970, 290_000)).to.equal(30);
    expect(timingMargin(defaultTiming, t, 296_500, 290_000)).to.equal(500);
    expect(timingMargin(defaultTiming, t, 304_500, 290_000)).to.equal(-500);
    expect(timingMargin(defaultTiming, t, 295_000, 290_000)).to.equal(-1000);
    // The slacks widen their side, as in verifyTime.
    expect(timingMargin(defaultTiming, t, 304_500, 290_000, 0, 1000)).to.equal(500);
    const range = resolveTime("absolute-range", 100_000, 200_000, 0, undefined, false);
    expect(timingMargin(defaultTiming, range, 150_000, 0)).to.equal(62_500);
    expect(timingMargin(defaultTiming, resolveTime("any", 0, 0, 0, undefined, false), 1, 0)).to.equal(undefined);
    // verifyTime fails exactly where the margin goes negative.
    expect(verifyTime(defaultTiming, t, 304_000, 290_000, "outbound packet")).to.equal(undefined);
    expect(verifyTime(defaultTiming, t, 304_001, 290_000, "outbound packet")).to.not.equal(undefined);
  });

  it("accepts events inside the tolerance and reports packetdrill's message outside it", () => {
    const t = resolveTime("absolute", 300_000, 300_000, 0, undefined, false);
    expect(verifyTime(defaultTiming, t, 303_999, 290_000, "outbound packet")).to.equal(undefined);
    const err = verifyTime(defaultTiming, t, 343_764, 290_000, "outbound packet");
    expect(err?.message).to.equal(
      "expected outbound packet at 0.300000 sec but happened at 0.343764 sec; tolerance 0.004000 sec",
    );
    expect(verifyTime(defaultTiming, t, 295_000, 290_000, "outbound packet")?.tolerance).to.equal(4000);
  });

  it("checks ranges inclusively widened by the tolerance and never checks '*'", () => {
    const r = resolveTime("relative-range", 1_000_000, 2_000_000, 500_000, undefined, false);
    expect(verifyTime(defaultTiming, r, 2_400_000, 500_000, "outbound packet")).to.equal(undefined);
    expect(verifyTime(defaultTiming, r, 2_700_000, 500_000, "outbound packet")?.message).to.equal(
      "expected outbound packet in relative time range +1.000000~+2.000000 sec but happened at +2.200000 sec",
    );
    const any = resolveTime("any", 0, 0, 10, undefined, false);
    expect(verifyTime(defaultTiming, any, 1e12, 0, "outbound packet")).to.equal(undefined);
  });

  it("widens only the early side by the runner's lag", () => {
    const t = resolveTime("absolute", 300_000, 300_000, 0, undefined, false);
    expect(verifyTime(defaultTiming, t, 291_000, 290_000, "outbound packet")?.message).to.match(/happened at 0.291000 sec/);
    expect(verifyTime(defaultTiming, t, 291_000, 290_000, "outbound packet", 5_000)).to.equal(undefined);
    expect(verifyTime(defaultTiming, t, 290_000, 290_000, "outbound packet", 5_000)).to.not.equal(undefined);
    expect(verifyTime(defaultTiming, t, 305_000, 290_000, "outbound packet", 5_000)).to.not.equal(undefined);
  });

  it("widens only the late side by a late slack", () => {
    const t = resolveTime("absolute", 300_000, 300_000, 0, undefined, false);
    expect(verifyTime(defaultTiming, t, 306_000, 290_000, "system call return")).to.not.equal(undefined);
    expect(verifyTime(defaultTiming, t, 306_000, 290_000, "system call return", 0, 3_000)).to.equal(undefined);
    expect(verifyTime(defaultTiming, t, 308_000, 290_000, "system call return", 0, 3_000)).to.not.equal(undefined);
    expect(verifyTime(defaultTiming, t, 295_000, 290_000, "system call return", 0, 3_000)).to.not.equal(undefined);
  });

  it("accumulates the runner's start lateness along relative anchors and clears it at an outbound packet", () => {
    const lag = new AnchorLag();
    // Twelve `+0` calls, each started 400 µs after its scripted time.
    for (let i = 0; i < 12; i++) {
      lag.resolved("relative", false);
      lag.acted(400);
    }
    expect(lag.resolved("relative", false)).to.equal(4_800);
    lag.kernelActed();
    expect(lag.resolved("relative", false)).to.equal(0);
    lag.acted(-50);
    expect(lag.resolved("relative", false)).to.equal(0);
    // The run's total keeps what the outbound packet cleared from the anchor.
    expect(lag.total).to.equal(4_800);
    // One event told twice (its wait ended 100 µs late, the call started 300 µs late) counts 300 once.
    lag.resolved("relative", false);
    lag.acted(100);
    lag.acted(300);
    expect(lag.total).to.equal(5_100);
    expect(lag.resolved("relative", false)).to.equal(300);
  });

  it("lets a burst of inbound packets anchored to scripted times inherit the lag of the first, and absolute times none", () => {
    const lag = new AnchorLag();
    lag.resolved("relative", false);
    lag.acted(1_000);
    // First inbound packet: anchored to "now" (the late call's end).
    expect(lag.resolved("relative", false)).to.equal(1_000);
    lag.acted(300);
    // The next inbound packet is anchored to the first one's scripted time: its lateness does not carry.
    expect(lag.resolved("relative", true)).to.equal(1_000);
    lag.acted(200);
    expect(lag.resolved("relative", false)).to.equal(1_200);
    expect(lag.resolved("absolute", false)).to.equal(0);
  });
});
