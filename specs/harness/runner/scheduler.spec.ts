import { expect } from "chai";
import { estimateSeconds, Gate, gatedFactory, longestFirst } from "../../../harness/runner/scheduler";
import type { Target } from "../../../harness/target/target";

describe("harness/runner/scheduler", () => {
  it("estimates a script's scripted duration from absolute and relative times", () => {
    const text = ["`true`", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", "+.1 < S 0:0(0) win 1000", "+0 > S. 0:0(0) ack 1", "1.5 close(3) = 0", "+2~+2.5 > F. 1:1(0) ack 1", "// +9 comment"].join("\n");
    expect(estimateSeconds(text)).to.equal(4);
    expect(estimateSeconds("no events\n")).to.equal(0);
  });

  it("orders runs longest first, ties in their original order", () => {
    expect(longestFirst([1, 20, 3, 20, 0])).to.deep.equal([1, 3, 2, 0, 4]);
  });

  it("creates and closes targets one at a time", async () => {
    const log: string[] = [];
    let busy = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const step = async (what: string): Promise<void> => {
      busy++;
      expect(busy, `${what} overlapped another setup or teardown`).to.equal(1);
      log.push(what);
      await sleep(5);
      busy--;
    };
    let n = 0;
    const factory = gatedFactory(async () => {
      const id = n++;
      await step(`create ${id}`);
      return { close: () => step(`close ${id}`) } as unknown as Target;
    }, new Gate());
    const config = {} as Parameters<typeof factory>[0];
    const targets = await Promise.all([factory(config, "/"), factory(config, "/"), factory(config, "/")]);
    await Promise.all(targets.flatMap((t) => [t.close(), t.close()]));
    expect(log).to.deep.equal(["create 0", "create 1", "create 2", "close 0", "close 1", "close 2"]);
  });

  it("a failing task does not block the gate", async () => {
    const gate = new Gate();
    const failed = gate.run(async () => {
      throw new Error("boom");
    });
    expect(await failed.then(() => "resolved", (e: Error) => e.message)).to.equal("boom");
    expect(await gate.run(async () => 7)).to.equal(7);
  });
});
