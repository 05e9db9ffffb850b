/** Shell commands inside a sandbox: where they run, what they return, how they end. */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createSandbox, type Sandbox } from "../../../harness/sandbox/index";
import { hostInterfaces } from "./helpers/support";
import { requireKernel } from "../../helpers/kernel";

describe("harness/sandbox exec (real kernel)", function () {
  this.timeout(20000);
  let sb: Sandbox;
  before(async function () {
    requireKernel(this);
    sb = await createSandbox({ mode: "ipv4" });
  });
  after(async () => {
    await sb?.close();
  });

  it("runs inside the sandbox's network namespace and a PID namespace of its own", async () => {
    const r = await sb.exec("readlink /proc/self/ns/net /proc/self/ns/pid; echo PPID=$PPID; ip -o link | cut -d: -f2");
    const [net, pid, ppid, ...links] = r.stdout.trim().split("\n");
    expect(net).to.equal(sb.netns);
    expect(pid).to.not.equal(readlinkSync("/proc/self/ns/pid"));
    // The parent is the sandbox's command server, pid 1 of that namespace (exec.ts).
    expect(ppid).to.equal("PPID=1");
    expect(links.map((l) => l.trim())).to.deep.equal(["lo", "tun0"]);
    for (const name of hostInterfaces().filter((n) => n !== "lo")) expect(r.stdout).to.not.include(` ${name}\n`);
  });

  it("reports exit status, stdout and stderr, and death by signal", async () => {
    expect(await sb.exec("echo out; echo err >&2; exit 3")).to.include({ status: 3, signal: null, timedOut: false, stdout: "out\n", stderr: "err\n" });
    expect(await sb.exec("kill -TERM $$")).to.include({ status: null, signal: "SIGTERM" });
    expect((await sb.exec("no-such-command-here")).status).to.equal(127);
  });

  it("runs in the sandbox's private /tmp unless told otherwise, and passes env", async () => {
    expect((await sb.exec("pwd; ls -A")).stdout).to.equal("/tmp\n");
    const r = await sb.exec("pwd; echo $TCPDRILL_SPEC", { cwd: "/", env: { TCPDRILL_SPEC: "it's $HOME" } });
    expect(r.stdout).to.equal("/\nit's $HOME\n");
    await sb.exec("true", { env: { "A;B": "x" } }).then(
      () => expect.fail("ran with an environment variable named A;B"),
      (e: Error) => expect(e.message).to.match(/not an environment variable name/),
    );
  });

  it("passes any command text through unchanged: quotes, $, backticks, newlines, UTF-8", async () => {
    const text = "a 'b' \"c\" $HOME `x` \\n é\ttab";
    const r = await sb.exec(`cat <<'EOF'\n${text}\nEOF\nprintf '%s|' "two words" ''; echo`);
    expect(r).to.include({ status: 0, stderr: "" });
    expect(r.stdout).to.equal(`${text}\ntwo words||\n`);
  });

  it("runs in a directory under the host's /tmp, hidden inside by the private one, and finds files relative to it", async () => {
    const host = mkdtempSync(path.join(tmpdir(), "tcpdrill-exec-spec-"));
    try {
      mkdirSync(path.join(host, "sub"));
      writeFileSync(path.join(host, "hello.sh"), "echo hello from $(basename $(pwd))\n");
      const r = await sb.exec("sh ../hello.sh; pwd", { cwd: path.join(host, "sub") });
      expect(r).to.include({ status: 0, stderr: "" });
      expect(r.stdout).to.equal(`hello from sub\n${path.join(host, "sub")}\n`);
      expect((await sb.exec("true", { cwd: path.join(host, "missing") })).status).to.equal(125);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it("runs commands asked at once one after another, in order", async () => {
    const rs = await Promise.all([sb.exec("sleep 0.1; echo 1 >> /tmp/order"), sb.exec("echo 2 >> /tmp/order"), sb.exec("cat /tmp/order; rm /tmp/order")]);
    expect(rs[2]!.stdout).to.equal("1\n2\n");
  });

  it("gives each sandbox a private /tmp, shared by its commands and gone with it", async () => {
    expect((await sb.exec("echo mine > /tmp/tcpdrill-private-tmp-spec && cat /tmp/tcpdrill-private-tmp-spec")).stdout).to.equal("mine\n");
    expect(existsSync("/tmp/tcpdrill-private-tmp-spec"), "the host's /tmp is untouched").to.equal(false);
    const other = await createSandbox({ mode: "ipv4" });
    try {
      expect((await other.exec("test -e /tmp/tcpdrill-private-tmp-spec; echo $?")).stdout).to.equal("1\n");
    } finally {
      await other.close();
    }
    expect((await sb.exec("cat /tmp/tcpdrill-private-tmp-spec")).stdout).to.equal("mine\n");
  });

  it("kills a command that outlives its timeout, with what it started", async () => {
    const started = Date.now();
    const r = await sb.exec("sleep 31 & sleep 30; echo never", { timeoutMs: 200 });
    expect(r).to.include({ timedOut: true, signal: "SIGKILL", stdout: "" });
    expect(Date.now() - started).to.be.below(2000);
    // Its background job too; the sandbox's own processes stay (the next command runs).
    const left = await sb.exec("ps -eo args | grep -c '^sleep 3[01]' || true");
    expect(left).to.include({ status: 0, stdout: "0\n" });
  });

  it("does not wait for background jobs that keep stdout open", async () => {
    const started = Date.now();
    const r = await sb.exec("sleep 30 & echo done");
    expect(r).to.include({ status: 0, stdout: "done\n" });
    expect(Date.now() - started).to.be.below(1000);
  });

  it("changes sysctls of the sandbox, never the host's", async () => {
    const host = readFileSync("/proc/sys/net/ipv4/tcp_syn_retries", "utf8");
    const wanted = host.trim() === "2" ? "3" : "2";
    const r = await sb.exec(`sysctl -q -w net.ipv4.tcp_syn_retries=${wanted} && cat /proc/sys/net/ipv4/tcp_syn_retries`);
    expect(r).to.include({ status: 0, stdout: `${wanted}\n` });
    expect(readFileSync("/proc/sys/net/ipv4/tcp_syn_retries", "utf8")).to.equal(host);
  });

  it("sees the script's sockets (same namespace as the syscall thread)", async () => {
    const fd = (await sb.syscall({ name: "socket", args: ["AF_INET", "SOCK_STREAM", 0] })).ret;
    await sb.syscall({ name: "bind", args: [fd, { family: "AF_INET", port: 8080, addr: "192.168.0.1" }] });
    await sb.syscall({ name: "listen", args: [fd, 1] });
    expect((await sb.exec("ss -Htln")).stdout).to.match(/LISTEN\s+0\s+1\s+192\.168\.0\.1:8080/);
    await sb.syscall({ name: "close", args: [fd] });
  });

  it("refuses commands once the sandbox is closed", async () => {
    const other = await createSandbox({ mode: "ipv6" });
    await other.close();
    await other.exec("true").then(
      () => expect.fail("ran a command in a closed sandbox"),
      (e: Error) => expect(e.message).to.match(/closed/),
    );
  });
});
