import { expect } from "chai";
import { ipBatch, NetConfigError, resolveNetConfig, tunSysctls } from "../../../harness/sandbox/config";

describe("harness/sandbox config", () => {
  it("uses packetdrill's defaults per IP mode", () => {
    expect(resolveNetConfig({ mode: "ipv4" })).to.deep.include({
      wireVersion: 4, socketFamily: "AF_INET", localIp: "192.168.0.1", remoteIp: "192.0.2.1",
      gatewayIp: "192.168.0.1", prefixLength: 16, mtu: 1500, offload: true, device: "tun0",
    });
    expect(resolveNetConfig({ mode: "ipv4-mapped-ipv6" })).to.deep.include({
      wireVersion: 4, socketFamily: "AF_INET6", localIp: "192.168.0.1",
      localSocketIp: "::ffff:192.168.0.1", remoteSocketIp: "::ffff:192.0.2.1",
    });
    expect(resolveNetConfig({ mode: "ipv6" })).to.deep.include({
      wireVersion: 6, socketFamily: "AF_INET6", localIp: "fd3d:a0b:17d6::1", remoteIp: "fd3d:fa7b:d17d::1",
      gatewayIp: "fd3d:a0b:17d6:8888::1", prefixLength: 48, mtu: 1520,
    });
  });

  it("takes overrides, canonicalises addresses and converts a netmask", () => {
    const c = resolveNetConfig({ mode: "ipv4", localIp: "10.0.0.1", remoteIp: "10.1.0.9", gatewayIp: "10.0.0.254", netmask: "255.255.255.0", mtu: 9000, offload: false });
    expect(c).to.deep.include({ localIp: "10.0.0.1", prefixLength: 24, mtu: 9000, offload: false });
    expect(resolveNetConfig({ mode: "ipv6", localIp: "FD3D:0A0B:17D6::0001" }).localIp).to.equal("fd3d:a0b:17d6::1");
  });

  it("rejects inconsistent configurations", () => {
    expect(() => resolveNetConfig({ mode: "ipv4", localIp: "fd00::1" })).to.throw(NetConfigError, /not an IPv4/);
    expect(() => resolveNetConfig({ mode: "ipv4", netmask: "255.0.255.0" })).to.throw(NetConfigError, /contiguous/);
    expect(() => resolveNetConfig({ mode: "ipv6", mtu: 1000 })).to.throw(NetConfigError, /MTU/);
    expect(() => resolveNetConfig({ mode: "ipv4", remoteIp: "192.168.0.1" })).to.throw(NetConfigError, /must not be/);
  });

  it("spells out the equivalent ip commands and the per-interface sysctls", () => {
    expect(ipBatch(resolveNetConfig({ mode: "ipv6" }))).to.equal(
      "link set dev tun0 mtu 1520\nlink set dev lo up\nlink set dev tun0 up\n" +
        "addr add fd3d:a0b:17d6::1/48 dev tun0 nodad\nroute add fd3d:fa7b:d17d::1/128 dev tun0 via fd3d:a0b:17d6:8888::1\n",
    );
    expect(tunSysctls(resolveNetConfig({ mode: "ipv4" }))).to.deep.equal([
      ["/proc/sys/net/ipv6/conf/tun0/addr_gen_mode", "1"],
      ["/proc/sys/net/ipv6/conf/tun0/router_solicitations", "0"],
    ]);
  });
});
