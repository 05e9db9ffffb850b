/** call-ahead.ts: which events ready the syscall thread ahead of a call that follows them. */
import { expect } from "chai";
import { callFollowsSoon, callWithinLead } from "../../../harness/runner/call-ahead";
import { parseScript } from "../../../lib/script/parse";

function events(text: string) {
  const parsed = parseScript(text, { file: "spec.pkt", ipVersion: "ipv4" });
  expect(parsed.diagnostics.filter((d) => d.severity === "error")).to.deep.equal([]);
  return parsed.script!.events;
}

describe("harness/runner/call-ahead: callWithinLead", () => {
  const script = events(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000>
+0 > S. 0:0(0) ack 1 <mss 1460>
+.0005 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+.01 < P. 1:11(10) ack 1 win 257
+0 > . 1:1(0) ack 11
+.002 read(4, ..., 10) = 10
+0 < P. 11:21(10) ack 1 win 257
+0 \`true\`
+0 read(4, ..., 10) = 10
`);

  it("is true for the events a call follows within a millisecond, through relative times only", () => {
    // `< S`, `> S.` and `< .` lead to accept() within 0.5 ms; `< P.`, `> .` to a read 2 ms on.
    expect(script.map((_, i) => callWithinLead(script, i))).to.deep.equal([
      true, true, true, true, // socket … listen: then calls, then accept 0.5 ms after the packets
      true, true, true, false, // `< S`, `> S.`, `< .` before accept; accept before a packet 10 ms on
      false, false, false, // `< P.`, `> .`, before a read 2 ms on; a read before a command
      false, true, false, // `< P.` before a command; the command before a read
    ]);
  });
});

describe("harness/runner/call-ahead: callWithinLead with calls the target makes on the runner's thread", () => {
  it("is false when the call that follows never needs a thread", () => {
    const script = events(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 < S 0:0(0) win 32792 <mss 1000>
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`);
    const needsThread = (name: string): boolean => name !== "getsockopt";
    expect(script.map((_, i) => callWithinLead(script, i, needsThread))).to.deep.equal([false, false, true, true, false]);
    expect(script.map((_, i) => callWithinLead(script, i))).to.deep.equal([true, true, true, true, false]);
    // callFollowsSoon (the event right before the call) takes the same answer.
    expect(callFollowsSoon(script[1]!, script[2], needsThread)).to.equal(undefined);
    expect(callFollowsSoon(script[1]!, script[2])).to.equal("at-once");
    expect(callFollowsSoon(script[3]!, script[4], needsThread)).to.equal("at-once");
  });
});
