import { expect } from "chai";
import { deepMutations, mutations } from "../../../harness/api";
import { parseScript } from "../../../lib/script/parse";

const SOURCE = [
  "// header comment survives",
  "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
  "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
  "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)",
  "+0 > S 0:0(0) <...>",
  "+.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>",
  "+0 > . 1:1(0) ack 1",
  "+0 close(3) = 0",
  "+.2 > F. 1:1(0) ack 1",
  "",
].join("\n");

describe("harness/api mutations", () => {
  const all = mutations(SOURCE, "m.pkt", "ipv4");
  const byName = (prefix: string) => all.find((m) => m.name.startsWith(prefix));

  it("every mutation parses and changes exactly one line, keeping comments", () => {
    expect(all.length).to.equal(5);
    for (const m of all) {
      expect(parseScript(m.text, { file: "m.pkt" }).script, m.name).not.to.equal(undefined);
      const before = SOURCE.split("\n");
      const after = m.text.split("\n");
      const changed = after.flatMap((l, i) => (l !== before[i] ? [i + 1] : []));
      expect(changed, m.name).to.deep.equal([m.line]);
      expect(after[0]).to.equal("// header comment survives");
    }
  });

  it("flips the first > flags and the first non-SYN > flags", () => {
    expect(byName("flags of the first >")?.text).to.contain("+0 > FS. 0:0(0) <...>");
    expect(byName("flags of the first non-SYN >")?.text).to.contain("+0 > R. 1:1(0) ack 1");
  });

  it("shifts the first and the last relative > by +0.5 s", () => {
    expect(byName("time of the first relative >")?.text).to.contain("+0.5 > S 0:0(0)");
    expect(byName("time of the last relative >")?.text).to.contain("+0.7 > F. 1:1(0) ack 1");
  });

  it("changes the first expected errno", () => {
    expect(byName("first errno")?.text).to.contain("= -1 ENOTCONN (Operation now in progress)");
  });

  it("drops FIN (or RST) when present, and gives a script that does not parse no mutations", () => {
    const fin = mutations("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > F. 1:1(0) ack 1\n", "f.pkt", "ipv4");
    expect(fin[0]?.text).to.contain("+0 > . 1:1(0) ack 1");
    const rst = mutations("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > R 1:1(0)\n", "r.pkt", "ipv4");
    expect(rst[0]?.text).to.contain("+0 > . 1:1(0)");
    expect(mutations("0 socket(", "bad.pkt", "ipv4")).to.deep.equal([]);
  });

  it("deep mutations: every > deleted, ack and non-SYN seq moved by one, every > time +0.5 s, every errno", () => {
    const deep = deepMutations(SOURCE, "m.pkt", "ipv4");
    const names = deep.map((m) => m.name);
    expect(names).to.include.members([
      "errno EINPROGRESS -> ENOTCONN (line 4)",
      "> line deleted (line 5)",
      "time +0 -> +0.5 (line 5)",
      "ack 1 -> 2 (line 7)",
      "seq 1 -> 2 (line 7)",
      "time +.2 -> +0.7 (line 9)",
    ]);
    // The SYN's seq is the script's ISN: moving it would be no mutation at all.
    expect(names).not.to.include("seq 0 -> 1 (line 5)");
    expect(deep.find((m) => m.name === "> line deleted (line 9)")?.text).not.to.contain("F. 1:1(0) ack 1");
    expect(deep.find((m) => m.name === "time +.2 -> +0.7 (line 9)")?.text).to.contain("+0.7 > F. 1:1(0) ack 1");
    for (const m of deep) expect(parseScript(m.text, { file: "m.pkt" }).script, m.name).not.to.equal(undefined);
  });
});
