/**
 * harness/process/spawn.ts: processes started through the spawner (Node) or directly (Deno, or
 * TCPDRILL_SPAWN=direct), with the same results either way.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { killGroup, spawnProcess, SpawnError } from "../../../harness/process/spawn";

const RUN_TS = path.join(__dirname, "..", "..", "..", "bin", "run-ts.js");
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Running, not a zombie (an orphan waits for whoever reaps it, here up to a second). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

for (const way of ["helper", "direct"] as const) {
  describe(`harness/process/spawn (${way})`, function () {
    this.timeout(20_000);
    let dir: string;
    let saved: string | undefined;
    before(function () {
      if (way === "helper" && isDeno) {
        console.log("      pending: Deno spawns without fork; the spawner is Node's");
        this.skip();
      }
    });
    beforeEach(() => {
      saved = process.env["TCPDRILL_SPAWN"];
      process.env["TCPDRILL_SPAWN"] = way;
      dir = mkdtempSync(path.join(tmpdir(), "tcpdrill-spawn-spec-"));
    });
    afterEach(() => {
      if (saved === undefined) delete process.env["TCPDRILL_SPAWN"];
      else process.env["TCPDRILL_SPAWN"] = saved;
      rmSync(dir, { recursive: true, force: true });
    });

    it("runs a program in its directory and environment, with its output in files and its exit status", async () => {
      const out = path.join(dir, "out");
      const err = path.join(dir, "err");
      const p = await spawnProcess({
        file: "/bin/sh",
        args: ["-c", 'pwd; echo "$WHO"; echo oops >&2; exit 3'],
        cwd: dir,
        env: { ...process.env, WHO: "tcpdrill" },
        stdout: out,
        stderr: err,
      });
      expect(await p.exit).to.deep.equal({ code: 3, signal: null });
      expect(p.exited()).to.deep.equal({ code: 3, signal: null });
      expect(readFileSync(out, "utf8")).to.equal(`${dir}\ntcpdrill\n`);
      expect(readFileSync(err, "utf8")).to.equal("oops\n");
    });

    it("says ENOENT for a program that does not exist", async () => {
      const e = await spawnProcess({ file: "/nonexistent/tcpdrill-no-such-program", args: [] }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).to.be.instanceOf(SpawnError);
      expect((e as SpawnError).code).to.equal("ENOENT");
    });

    it(way === "helper" ? "starts processes from one spawner process, not from this one" : "starts processes from this process", async () => {
      const a = await spawnProcess({ file: "sleep", args: ["5"] });
      const b = await spawnProcess({ file: "sleep", args: ["5"] });
      try {
        const parent = parentOf(a.pid);
        expect(parentOf(b.pid)).to.equal(parent);
        if (way === "helper") expect(parent).to.not.equal(process.pid);
        else expect(parent).to.equal(process.pid);
      } finally {
        killGroup(a);
        killGroup(b);
      }
      expect((await a.exit).signal).to.equal("SIGKILL");
      expect((await b.exit).signal).to.equal("SIGKILL");
    });

    it("talks to a process through its stdin and the lines it prints", async () => {
      const lines: string[] = [];
      let notify = (): void => undefined;
      const p = await spawnProcess({ file: "/bin/sh", args: ["-c", 'while read -r l; do echo "got $l"; done; echo bye'], onLine: (line) => (lines.push(line), notify()) });
      p.write("one\ntwo words\n");
      while (lines.length < 2) await new Promise<void>((r) => (notify = r));
      expect(lines).to.deep.equal(["got one", "got two words"]);
      killGroup(p);
      expect((await p.exit).signal).to.equal("SIGKILL");
    });

    it("killGroup ends a detached process and what it started in the background", async () => {
      const pidFile = path.join(dir, "pid");
      const p = await spawnProcess({ file: "/bin/sh", args: ["-c", `sleep 30 & echo $! > ${pidFile}; wait`], detached: true });
      let background = 0;
      for (let i = 0; i < 200 && background === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        try {
          background = Number(readFileSync(pidFile, "utf8").trim());
        } catch {
          // not written yet
        }
      }
      expect(background).to.be.greaterThan(0);
      expect(alive(background)).to.equal(true);
      killGroup(p);
      expect((await p.exit).signal).to.equal("SIGKILL");
      for (let i = 0; i < 200 && alive(background); i++) await new Promise((r) => setTimeout(r, 10));
      expect(alive(background), "the background sleep").to.equal(false);
    });

    it("a process whose end is not held does not keep tcpdrill running; a held one does until it ends", async () => {
      const child = spawn(process.execPath, [RUN_TS, path.join(__dirname, "fixtures", "hold-child.ts"), way], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).to.equal(0);
      const seen = JSON.parse(out) as { unheld: number; status: unknown };
      expect(seen.status).to.deep.equal({ code: 0, signal: null });
      // The unheld sleep 30 did not keep the child alive; it was started under no parent-death
      // rule, so it may outlive the child: end it here.
      try {
        process.kill(-seen.unheld, "SIGKILL");
      } catch {
        // already gone (with the spawner)
      }
    });

    if (way === "helper") {
      it("starts processes directly when the spawner cannot start (no setpriv on PATH)", async () => {
        const child = spawn(process.execPath, [RUN_TS, path.join(__dirname, "fixtures", "fallback-child.ts")], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
        expect(code).to.equal(0);
        expect(JSON.parse(out)).to.deep.equal({ fromHere: true, status: { code: 0, signal: null } });
      });
    }
  });
}
