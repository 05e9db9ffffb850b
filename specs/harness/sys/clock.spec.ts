import { expect } from "chai";
import { realtimeNs, sinceEpochNs } from "../../../harness/sys/clock";

describe("harness/sys/clock", () => {
  it("sinceEpochNs agrees with the bigint arithmetic it replaces, for any epoch", () => {
    // Epochs with nanoseconds above and below now's, so the number arithmetic borrows both ways.
    for (const back of [0n, 1n, 999_999_999n, 1_500_000_001n, 86_400_000_000_123n]) {
      const epoch = realtimeNs() - back;
      const before = Number(realtimeNs() - epoch);
      const since = sinceEpochNs(epoch);
      const after = Number(realtimeNs() - epoch);
      expect(Number.isInteger(since), `epoch now - ${back}`).to.equal(true);
      expect(since, `epoch now - ${back}`).to.be.within(before, after);
    }
  });

  it("switches between epochs without mixing them up", () => {
    const a = realtimeNs() - 5_000_000_000n;
    const b = realtimeNs();
    const sa = sinceEpochNs(a);
    const sb = sinceEpochNs(b);
    expect(sa - sb).to.be.within(4.9e9, 5.1e9);
    expect(sinceEpochNs(a)).to.be.at.least(sa);
  });
});
