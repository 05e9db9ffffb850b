import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { cpuLatencyHeld, holdCpuLatency, releaseCpuLatency } from "../../../harness/sys/cpu-latency";

/** The CPUs' current wake-latency target (µs), as the kernel aggregates every request. */
function currentTarget(): number {
  return Buffer.from(readFileSync("/dev/cpu_dma_latency")).readInt32LE(0);
}

describe("harness/sys/cpu-latency", () => {
  before(function () {
    if (!existsSync("/dev/cpu_dma_latency") || process.getuid?.() !== 0) this.skip(); // needs root and the PM QoS device
  });

  it("asks for 0 µs while held, counting holders, and drops the request with the last one", function () {
    const before = currentTarget();
    if (before === 0) this.skip(); // another process holds it already: nothing to observe
    expect(holdCpuLatency()).to.equal(true);
    expect(holdCpuLatency()).to.equal(true);
    expect(currentTarget()).to.equal(0);
    releaseCpuLatency();
    expect(cpuLatencyHeld(), "one holder left").to.equal(true);
    expect(currentTarget()).to.equal(0);
    releaseCpuLatency();
    expect(cpuLatencyHeld()).to.equal(false);
    expect(currentTarget()).to.equal(before);
    releaseCpuLatency(); // one too many: harmless
    expect(currentTarget()).to.equal(before);
  });

  it("TCPDRILL_CPU_LATENCY=off makes no request", () => {
    process.env.TCPDRILL_CPU_LATENCY = "off";
    try {
      expect(holdCpuLatency()).to.equal(false);
      expect(cpuLatencyHeld()).to.equal(false);
    } finally {
      delete process.env.TCPDRILL_CPU_LATENCY;
    }
  });
});
