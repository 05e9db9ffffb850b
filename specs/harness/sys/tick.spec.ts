import { expect } from "chai";
import { CLOCK_REALTIME, CLOCK_REALTIME_COARSE, clockNs as read } from "../../../harness/sys/clock";
import { locateTick, nextAtPhase, type Tick } from "../../../harness/sys/tick";

describe("harness/sys/tick", () => {
  describe("nextAtPhase", () => {
    const tick: Tick = { periodNs: 4_000_000, boundaryNs: 1_000_000_000n };

    it("moves forward to the phase within the current or next jiffy", () => {
      // 1.0015 s is 1.5 ms into a jiffy: 250 µs into one is the next jiffy's, 2 ms into one this jiffy's.
      expect(nextAtPhase(tick, 1_001_500_000n, 250_000)).to.equal(1_004_250_000n);
      expect(nextAtPhase(tick, 1_001_500_000n, 2_000_000)).to.equal(1_002_000_000n);
    });

    it("stays put when already at the phase, and works before the located boundary too", () => {
      expect(nextAtPhase(tick, 1_000_250_000n, 250_000)).to.equal(1_000_250_000n);
      expect(nextAtPhase(tick, 996_100_000n, 250_000)).to.equal(996_250_000n);
      expect(nextAtPhase(tick, 999_000_000n, 250_000)).to.equal(1_000_250_000n);
    });

    it("takes the phase modulo the period", () => {
      expect(nextAtPhase(tick, 1_000_000_000n, 4_250_000)).to.equal(1_000_250_000n);
    });
  });

  describe("locateTick (this machine's clock)", () => {
    it("finds the period the coarse clock moves by, and boundaries that later ticks fall on", function () {
      const tick = locateTick();
      if (tick === undefined) this.skip();
      // HZ is 100, 250, 300 or 1000 on Linux.
      expect([10_000_000, 4_000_000, 3_333_333, 3_333_334, 1_000_000]).to.include(tick.periodNs);
      // Later coarse-clock steps are seen close to a located boundary: just after it by the
      // reader's latency, or a few µs before it when the location came out a little late, so the
      // distance is taken both ways. A step seen late because this thread was preempted (or, under
      // Deno, collected garbage) is an outlier; a wrong location would put almost none of them
      // within 250 µs (1 in 8 by chance), so a third of them is asked for.
      const distances: number[] = [];
      let previous = read(CLOCK_REALTIME_COARSE);
      const deadline = read(CLOCK_REALTIME) + 300_000_000n;
      while (distances.length < 15 && read(CLOCK_REALTIME) < deadline) {
        const coarse = read(CLOCK_REALTIME_COARSE);
        if (coarse === previous) continue;
        previous = coarse;
        const fine = read(CLOCK_REALTIME);
        const phase = Number((((fine - tick.boundaryNs) % BigInt(tick.periodNs)) + BigInt(tick.periodNs)) % BigInt(tick.periodNs));
        distances.push(Math.min(phase, tick.periodNs - phase));
      }
      expect(distances.length).to.equal(15);
      expect(distances.filter((d) => d < 250_000).length, `distances (ns): ${distances.join(" ")}`).to.be.at.least(5);
    });
  });
});
