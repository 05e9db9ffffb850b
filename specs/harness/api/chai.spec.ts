import { AssertionError, expect, use } from "chai";
import { tcpdrillChai, type SpecTrace } from "../../../harness/api";
import { passiveOpenThenClose } from "./handshake";

use(tcpdrillChai);

function failureOf(f: () => void): Error {
  try {
    f();
  } catch (e) {
    if (e instanceof AssertionError) return e as Error;
    throw e;
  }
  throw new Error("the assertion did not fail");
}

describe("harness/api chai plugin", () => {
  let passing: SpecTrace;
  let failing: SpecTrace;
  before(async () => {
    passing = await passiveOpenThenClose("close").run();
    failing = await passiveOpenThenClose("wrong-ack", 2).run();
  });

  describe(".pass", () => {
    it("passes for a passing trace and fails for a failing one", () => {
      expect(passing).to.pass;
      expect(failing).not.to.pass;
      failureOf(() => expect(passing).not.to.pass);
    });

    it("fails with the rendered diagnostic: file:line:col, the source line and the notes", () => {
      const e = failureOf(() => expect(failing).to.pass);
      expect(e.message).to.contain("wrong-ack.pkt:10:1: error[E-packet-mismatch]");
      expect(e.message).to.contain("+0 > F. 1:1(0) ack 2");
      expect(e.message).to.contain("actual packet: 0.100000 F. 1:1(0) ack 1");
      expect(e.message).to.match(/written at specs\/harness\/api\/handshake\.ts:\d+:\d+/);
    });

    it("refuses a subject that is not a trace", () => {
      expect(() => expect({}).to.pass).to.throw(TypeError, /Trace/);
    });
  });

  describe(".include.segment", () => {
    it("finds a sent segment without its window or options", () => {
      expect(passing).to.include.segment("F. 1:1(0) ack 1");
      expect(passing).to.include.segment("> S. 0:0(0) ack 1");
      expect(passing).to.include.segment("S. 0:0(0) ack 1 win 64240 <mss 1460>");
    });

    it("checks what the expectation does say: flags, seq, ack, length, window, options", () => {
      for (const wrong of ["R. 1:1(0) ack 1", "F. 2:2(0) ack 1", "F. 1:1(0) ack 2", "F. 1:2(1) ack 1", "F. 1:1(0) ack 1 win 1", "S. 0:0(0) ack 1 <mss 536>"]) {
        expect(passing, wrong).not.to.include.segment(wrong);
      }
    });

    it("a miss lists what was sent and how each segment differs", () => {
      const e = failureOf(() => expect(passing).to.include.segment("F. 1:1(0) ack 9"));
      expect(e.message).to.contain("> F. 1:1(0) ack 1 win 64240");
      expect(e.message).to.contain("tcp_ack_seq");
    });

    it("finds segments of a failing run too (the one that mismatched is in the trace)", () => {
      expect(failing).to.include.segment("F. 1:1(0) ack 1");
      expect(failing).not.to.include.segment("F. 1:1(0) ack 2");
    });

    it("an expectation that is not a packet is a usage error, not a failed assertion", () => {
      expect(() => expect(passing).to.include.segment("F. 1:1 ack 1")).to.throw(TypeError);
    });
  });

  describe(".reach.state", () => {
    it("passes for a state some socket entered, optionally for one fd", async () => {
      const halfClosed = await passiveOpenThenClose("shutdown", 1, "shutdown").run();
      expect(halfClosed).to.pass;
      expect(halfClosed).to.reach.state("LISTEN");
      expect(halfClosed).to.reach.state("ESTABLISHED", 4);
      expect(halfClosed).to.reach.state("FIN_WAIT1", 4);
      expect(halfClosed).to.reach.state("FIN_WAIT2", 4);
      expect(halfClosed).not.to.reach.state("LISTEN", 4);
      expect(halfClosed).not.to.reach.state("SYN_SENT");
    });

    it("sees TIME_WAIT although TCP_INFO on the fd says CLOSE (the runner asks sock_diag by 4-tuple)", async () => {
      const halfClosed = await passiveOpenThenClose("shutdown", 1, "shutdown").run();
      expect(halfClosed).to.reach.state("TIME_WAIT", 4);
      expect(halfClosed).not.to.reach.state("CLOSE_WAIT", 4);
    });

    it("a miss lists the states seen", () => {
      const e = failureOf(() => expect(passing).to.reach.state("CLOSE_WAIT"));
      expect(e.message).to.contain("fd 3: LISTEN").and.contain("fd 4: ESTABLISHED");
    });
  });
});
