import { expect } from "chai";
import { hostPath } from "../../../harness/sys/executor/paths";

describe("harness/sys/executor/paths", () => {
  const view = { cwd: "/tmp/stage/tcp/sendfile", privateTmp: "/tmp/tcpdrill-1-x/tmp" };

  it("resolves a relative path against the script's directory, as packetdrill running there", () => {
    expect(hostPath("data.bin", view)).to.equal("/tmp/stage/tcp/sendfile/data.bin");
    expect(hostPath("../common/x", view)).to.equal("/tmp/stage/tcp/common/x");
  });

  it("maps /tmp to the private /tmp the script's commands write into", () => {
    expect(hostPath("/tmp/testfile", view)).to.equal("/tmp/tcpdrill-1-x/tmp/testfile");
    expect(hostPath("/tmp//a/../b", view)).to.equal("/tmp/tcpdrill-1-x/tmp/b");
    expect(hostPath("/tmp", view)).to.equal("/tmp/tcpdrill-1-x/tmp");
  });

  it("leaves other absolute paths, and /tmp without a private one, alone", () => {
    expect(hostPath("/dev/zero", view)).to.equal("/dev/zero");
    expect(hostPath("/tmpfile", view)).to.equal("/tmpfile");
    expect(hostPath("/tmp/testfile", { cwd: "/x" })).to.equal("/tmp/testfile");
  });
});
