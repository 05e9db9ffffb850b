import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stageCorpus } from "../../../harness/corpus/stage";
import { packetdrillVariant, variantModes, withVariant } from "../../../harness/runner/variants";

describe("harness/corpus", () => {
  it("stages a corpus so `../common` and `../../common` resolve from every script directory", () => {
    const corpus = mkdtempSync(path.join(os.tmpdir(), "tcpdrill-spec-corpus-"));
    try {
      mkdirSync(path.join(corpus, "tcp", "a", "b"), { recursive: true });
      mkdirSync(path.join(corpus, "common"));
      writeFileSync(path.join(corpus, "common", "defaults.sh"), "#!/bin/sh\necho defaults\n");
      writeFileSync(path.join(corpus, "tcp", "a", "x.pkt"), "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
      const staged = stageCorpus(corpus);
      try {
        const sh = (cwd: string, cmd: string): string => execFileSync("/bin/sh", ["-c", cmd], { cwd, encoding: "utf8" });
        expect(sh(path.join(staged.root, "tcp", "a"), "../common/defaults.sh && ../../common/defaults.sh")).to.equal("defaults\ndefaults\n");
        expect(sh(path.join(staged.root, "tcp", "a", "b"), "../../common/defaults.sh")).to.equal("defaults\n");
        expect(existsSync(path.join(staged.root, "tcp", "a", "x.pkt"))).to.equal(true);
      } finally {
        staged.remove();
      }
      expect(existsSync(staged.root)).to.equal(false);
    } finally {
      rmSync(corpus, { recursive: true, force: true });
    }
  });

  it("set_sysctls stand-in writes each value and records the old one in the restore script", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tcpdrill-spec-sysctl-"));
    try {
      const knob = path.join(dir, "knob");
      writeFileSync(knob, "1\n");
      const script = path.join(__dirname, "../../../harness/corpus/set_sysctls.sh");
      // The restore file is named after our shell's parent: run it under a shell, as scripts do.
      execFileSync("/bin/sh", ["-c", `"${script}" "${knob}=4096 50000"`]);
      expect(readFileSync(knob, "utf8")).to.equal("4096 50000\n");
      const restore = `/tmp/sysctl_restore_${process.pid}.sh`;
      try {
        execFileSync("/bin/sh", ["-c", restore]);
        expect(readFileSync(knob, "utf8")).to.equal("1\n");
      } finally {
        rmSync(restore, { force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("run_all.py's modes: *v4.pkt in ipv4 and mapped, *v6.pkt in ipv6 only, others in all three", () => {
    expect(variantModes("a/basic-v4.pkt")).to.deep.equal(["ipv4", "ipv4-mapped-ipv6"]);
    expect(variantModes("a/basic-v6.pkt")).to.deep.equal(["ipv6"]);
    expect(variantModes("a/basic.pkt")).to.deep.equal(["ipv4", "ipv4-mapped-ipv6", "ipv6"]);
  });

  it("packetdrill's per-mode variants: addresses and defines, user -D winning", () => {
    expect(packetdrillVariant("ipv6").defines).to.not.have.property("CODE");
    expect(packetdrillVariant("ipv4-mapped-ipv6").defines).to.include({ CMSG_LEVEL_IP: "SOL_IPV6", CODE: "host_unreachable" });
    const c = withVariant({ defines: { TFO_COOKIE: "00" }, toleranceUsecs: 9 }, "ipv4");
    expect(c.defines).to.include({ TFO_COOKIE: "00", CMSG_LEVEL_IP: "SOL_IP" });
    expect(c).to.include({ localIp: "192.168.0.1", toleranceUsecs: 9 });
    expect(c).to.not.have.property("mtu");
    expect(withVariant({}, "ipv6")).to.include({ mtu: 1520, localIp: "fd3d:0a0b:17d6::1" });
  });
});
