import { expect } from "chai";
import { sameSysctlValue, sysctlAssignments } from "../../../lib/script/sysctl-assignments";

describe("lib/script/sysctl-assignments", () => {
  it("finds settings in sysctl commands, shell arrays and set_sysctls.py arguments; the last one wins", () => {
    const text = [
      "settings=(",
      '  "net.ipv4.tcp_rmem=4096 540000 15728640"',
      "  net.ipv4.tcp_timestamps=1",
      "  net.ipv4.tcp_congestion_control=cubic # a comment net.ipv4.x=9",
      ")",
      "sysctl -q net.ipv4.tcp_ecn=1  # fully enabled",
      "sysctl -q -w net.ipv4.tcp_timestamps=0;sysctl -q net.ipv4.tcp_sack=1&& true",
      '../common/set_sysctls.py /proc/sys/net/ipv4/tcp_wmem="4096 50000 4194304" /proc/sys/net/ipv4/tcp_fastopen=0x207',
      "ip route change 192.0.2.1 via 192.168.0.2 dev tun0 mtu lock 640",
    ].join("\n");
    expect(sysctlAssignments(text)).to.deep.equal([
      { name: "net.ipv4.tcp_rmem", value: "4096 540000 15728640" },
      { name: "net.ipv4.tcp_congestion_control", value: "cubic" },
      { name: "net.ipv4.tcp_ecn", value: "1" },
      { name: "net.ipv4.tcp_timestamps", value: "0" },
      { name: "net.ipv4.tcp_sack", value: "1" },
      { name: "net.ipv4.tcp_wmem", value: "4096 50000 4194304" },
      { name: "net.ipv4.tcp_fastopen", value: "0x207" },
    ]);
  });

  it("compares values read back by number and by words", () => {
    expect(sameSysctlValue("0x70403", "459779")).to.equal(true);
    expect(sameSysctlValue("4096 540000 15728640", "4096\t540000\t15728640")).to.equal(true);
    expect(sameSysctlValue("cubic", "bbr")).to.equal(false);
    expect(sameSysctlValue("A1A1A1A1-b2b2b2b2", "a1a1a1a1-b2b2b2b2")).to.equal(true);
  });
});
