import { expect } from "chai";
import { seq, seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax, seqMin } from "../../../lib/wire/seq";

describe("lib/wire/seq", () => {
  const top = seq(0xffff_fff0);

  it("wraps additions past 2^32 and below 0", () => {
    expect(seqAdd(top, 0x20)).to.equal(0x10);
    expect(seqAdd(seq(5), -10)).to.equal(0xffff_fffb);
    expect(seq(-1)).to.equal(0xffff_ffff);
  });

  it("orders across the wrap by signed difference", () => {
    const after = seqAdd(top, 0x20); // 0x10, numerically smaller
    expect(seqLt(top, after)).to.equal(true);
    expect(seqGt(after, top)).to.equal(true);
    expect(seqLe(top, top)).to.equal(true);
    expect(seqGe(after, after)).to.equal(true);
    expect(seqDiff(after, top)).to.equal(0x20);
    expect(seqDiff(top, after)).to.equal(-0x20);
    expect(seqMax(top, after)).to.equal(after);
    expect(seqMin(top, after)).to.equal(top);
  });

  it("tests window membership across the wrap", () => {
    const hi = seqAdd(top, 100);
    expect(seqInRange(seq(0), top, hi)).to.equal(true);
    expect(seqInRange(hi, top, hi)).to.equal(false);
    expect(seqInRange(top, top, hi)).to.equal(true);
    expect(seqInRange(seqAdd(top, -1), top, hi)).to.equal(false);
  });
});
