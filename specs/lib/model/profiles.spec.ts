// Profiles: the two shipped profiles, applySysctl and the parser for scripts' sysctl commands.
import { expect } from "chai";
import { applySysctl, LINUX_6_18, PACKETDRILL, parseSysctlCommand } from "../../../lib/model";
import { selectInitialWindow, winFromSpace } from "../../../lib/model/options";
import { Drill } from "./helpers";

describe("lib/model/profiles", () => {
  it("linux-6.18 carries the kernel defaults of the behaviour catalogue", () => {
    const s = LINUX_6_18.sysctl;
    expect([s.tcp_syn_retries, s.tcp_syn_linear_timeouts, s.tcp_synack_retries, s.tcp_fin_timeout]).to.deep.equal([6, 4, 5, 60]);
    expect([s.tcp_keepalive_time, s.tcp_keepalive_intvl, s.tcp_keepalive_probes]).to.deep.equal([7200, 75, 9]);
    expect([s.tcp_retries1, s.tcp_retries2, s.tcp_orphan_retries, s.somaxconn]).to.deep.equal([3, 15, 0, 4096]);
    expect(s.tcp_rmem).to.deep.equal([4096, 131072, 33554432]);
    const c = LINUX_6_18.constants;
    expect([c.timeoutInit, c.rtoMin, c.rtoMax, c.timewaitLen, c.hz]).to.deep.equal([1e6, 2e5, 120e6, 60e6, 250]);
  });

  it("packetdrill differs where its defaults.sh says so", () => {
    expect(PACKETDRILL.sysctl.tcp_syn_retries).to.equal(5);
    expect(PACKETDRILL.sysctl.tcp_rmem).to.deep.equal([4096, 540000, 15728640]);
    expect(PACKETDRILL.sysctl.tcp_slow_start_after_idle).to.equal(0);
    expect(PACKETDRILL.sysctl.tcp_syncookies).to.equal(1);
  });

  it("window scale and SYN window follow tcp_rmem: 10 / 64240 on 6.18, 8 / 65535 for packetdrill", () => {
    const w618 = selectInitialWindow(LINUX_6_18, winFromSpace(LINUX_6_18, 131072), 1460, true, 0);
    expect([w618.rcvWscale, Math.min(w618.rcvWnd, 65535)]).to.deep.equal([10, 64240]);
    const wpd = selectInitialWindow(PACKETDRILL, winFromSpace(PACKETDRILL, 540000), 1460, true, 0);
    expect([wpd.rcvWscale, Math.min(wpd.rcvWnd, 65535)]).to.deep.equal([8, 65535]);
  });

  it("applySysctl returns a new profile and leaves the old one alone", () => {
    const r = applySysctl(LINUX_6_18, "net.ipv4.tcp_syn_retries", "2");
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.profile.sysctl.tcp_syn_retries).to.equal(2);
    expect(LINUX_6_18.sysctl.tcp_syn_retries).to.equal(6);
  });

  it("accepts /proc paths, triples and hex; rejects bad values; stores unknown net.* names", () => {
    const a = applySysctl(LINUX_6_18, "/proc/sys/net/ipv4/tcp_rmem", "4096 87380 6291456");
    expect(a.ok && a.profile.sysctl.tcp_rmem).to.deep.equal([4096, 87380, 6291456]);
    const b = applySysctl(LINUX_6_18, "net.core.somaxconn", "0x10");
    expect(b.ok && b.profile.sysctl.somaxconn).to.equal(16);
    const c = applySysctl(LINUX_6_18, "net.ipv4.tcp_syn_retries", "many");
    expect(c).to.deep.include({ ok: false });
    const e = applySysctl(LINUX_6_18, "net.ipv4.tcp_congestion_control", "cubic");
    expect(e.ok && e.known).to.equal(false);
    expect(e.ok && e.profile.other["net.ipv4.tcp_congestion_control"]).to.equal("cubic");
    expect(applySysctl(LINUX_6_18, "kernel.hostname", "x")).to.deep.include({ ok: false });
  });

  it("parses sysctl -q / -w and echo > /proc/sys forms, several per command", () => {
    expect(parseSysctlCommand("sysctl -q net.ipv4.tcp_syn_retries=2")).to.deep.equal({
      assignments: [{ name: "net.ipv4.tcp_syn_retries", value: "2" }], unrecognized: [],
    });
    expect(parseSysctlCommand(`sysctl -q -w "net.ipv4.tcp_rmem=4096 540000 15728640"`).assignments)
      .to.deep.equal([{ name: "net.ipv4.tcp_rmem", value: "4096 540000 15728640" }]);
    expect(parseSysctlCommand("echo 0 > /proc/sys/net/ipv4/tcp_timestamps; echo \"1\" >/proc/sys/net/ipv4/tcp_sack").assignments)
      .to.deep.equal([{ name: "net.ipv4.tcp_timestamps", value: "0" }, { name: "net.ipv4.tcp_sack", value: "1" }]);
    expect(parseSysctlCommand(`sysctl -q net.ipv4.tcp_rmem="4096 87380 6291456"`).assignments)
      .to.deep.equal([{ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }]);
    expect(parseSysctlCommand("sysctl -w net.ipv4.tcp_syn_retries=2 >/dev/null 2>&1").unrecognized).to.deep.equal([]);
    expect(parseSysctlCommand("echo 0 > /proc/sys/net/ipv4/tcp_sack || true").assignments).to.have.length(1);
    expect(parseSysctlCommand("sysctl net.ipv4.tcp_syn_retries").unrecognized).to.have.length(1);
    expect(parseSysctlCommand("ip link set dev tun0 mtu 1400").unrecognized).to.have.length(1);
  });

  it("host.runCommand applies sysctl commands to the host's profile only", () => {
    const d = new Drill();
    expect(d.host.runCommand("sysctl -q net.ipv4.tcp_syn_retries=1 && echo 3 > /proc/sys/net/ipv4/tcp_fin_timeout")).to.deep.equal({ handled: true, errors: [] });
    expect(d.host.profile.sysctl.tcp_syn_retries).to.equal(1);
    expect(d.host.profile.sysctl.tcp_fin_timeout).to.equal(3);
    expect(PACKETDRILL.sysctl.tcp_syn_retries).to.equal(5);
    expect(d.host.runCommand("tc qdisc add dev tun0 root fq").handled).to.equal(false);
  });
});
