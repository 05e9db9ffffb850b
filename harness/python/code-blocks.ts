/**
 * `%{ }%` code blocks, as packetdrill runs them (code.c): at the block's time, snapshot TCP_INFO,
 * TCP_CC_INFO and SO_MEMINFO of the socket under test (the connection the script's packets are
 * about: the latest socket() or passive child); after the whole script (and its cleanup command)
 * passed, write one Python program with every block and its snapshot and run it with `python3`.
 * The first exception fails the run at its block's line with `error in Python code`.
 *
 * Snapshot failures are packetdrill's runtime errors: no socket under test, or a getsockopt that
 * fails (a child not yet accepted has no fd; a UDP socket has no TCP_INFO).
 *
 * On the model target TCP_INFO is the model's subset (lib/model/tcp-info.ts) and there is no
 * TCP_CC_INFO or SO_MEMINFO: a block that reads a field the model does not fill fails with a
 * NameError, and the failure says the model does not track that field.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { killGroup, readOutput, spawnProcess, type SpawnError, type Spawned } from "../process/spawn";
import type { CodeEvent } from "../../lib/script/ast";
import type { Diagnostic, DiagnosticNote } from "../../lib/diagnostics/types";
import { PYTHON_ERROR, pythonFailure, pythonProgram, type CodeFragment } from "../../lib/code/python-program";
import { TCP_INFO_VARS, type SocketSnapshot } from "../../lib/code/snapshot-vars";
import type { SyscallRequest, SyscallResult, SysValue, Target } from "../target/target";

const SOL_SOCKET = 1;
const SOL_TCP = 6;
const TCP_INFO = 11;
const TCP_CC_INFO = 26;
const SO_MEMINFO = 55;
const ANY: SysValue = { ellipsis: true };

/** The interpreter: `TCPDRILL_PYTHON` if set, else `python3` on PATH. */
export function pythonCommand(): string {
  return process.env["TCPDRILL_PYTHON"] ?? "python3";
}

export interface EvaluateOptions {
  /** Working directory of the interpreter (packetdrill runs it from its own, the script's). */
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

export interface Evaluation {
  /** Undefined when every block passed. */
  readonly failure?: Diagnostic;
  /** What the blocks printed (stdout), for the trace. */
  readonly output: string;
}

function numbers(v: SysValue | undefined): Record<string, number> | undefined {
  if (typeof v !== "object" || v === null || v instanceof Uint8Array || Array.isArray(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v as Record<string, SysValue>)) if (typeof x === "number") out[k] = x;
  return out;
}

export class CodeBlocks {
  private readonly file: string;
  private readonly fragments: CodeFragment[] = [];
  private readonly events: CodeEvent[] = [];
  private readonly targetKind: string;

  constructor(file: string, targetKind: string) {
    this.file = file;
    this.targetKind = targetKind;
  }

  get count(): number {
    return this.fragments.length;
  }

  /**
   * Takes the block's snapshot now. `fd` is the live fd of the socket under test (undefined:
   * none yet; -1: a passive child not yet accepted). Returns packetdrill's runtime error, if any.
   */
  async snapshot(event: CodeEvent, target: Target, fd: number | undefined): Promise<Diagnostic | undefined> {
    const fail = (why: string): Diagnostic => ({ code: "E-code", severity: "error", message: `runtime error in code: ${why}`, span: event.span });
    if (fd === undefined) return fail("no socket to use for code");
    const get = async (level: number, name: number): Promise<SyscallResult | undefined> => {
      const request: SyscallRequest = { name: "getsockopt", args: [fd, level, name, ANY, ANY] };
      try {
        const r = target.syscallNow !== undefined ? target.syscallNow(request) : await target.syscall(request);
        return r.ret < 0 ? undefined : r;
      } catch {
        return undefined;
      }
    };
    const info = numbers((await get(SOL_TCP, TCP_INFO))?.out?.[3]);
    if (info === undefined) return fail("can't find getsockopt to get TCP info");
    // The model has neither option; the kernel always answers both for a TCP socket.
    const model = this.targetKind === "model";
    const cc = await get(SOL_TCP, TCP_CC_INFO);
    if (cc === undefined && !model) return fail("can't find getsockopt to get TCP_CC_INFO");
    const mem = await get(SOL_SOCKET, SO_MEMINFO);
    if (mem === undefined && !model) return fail("can't find getsockopt to get sk_meminfo");
    const ccBytes = cc?.out?.[3];
    const ccLen = cc?.out?.[4];
    const memInts = mem?.out?.[3];
    const snapshot: SocketSnapshot = {
      tcpInfo: info,
      ...(ccBytes instanceof Uint8Array ? { ccInfo: ccBytes.slice(0, typeof ccLen === "number" ? ccLen : ccBytes.length) } : {}),
      ...(Array.isArray(memInts) ? { memInfo: memInts.filter((x): x is number => typeof x === "number") } : {}),
    };
    this.events.push(event);
    this.fragments.push({ line: event.span.start.line, codeLine: event.span.end.line - (event.code.match(/\n/g)?.length ?? 0), code: event.code, snapshot });
    return undefined;
  }

  /** Runs every block in one interpreter; call once, after the script's events all passed. */
  async evaluate(options: EvaluateOptions = {}): Promise<Evaluation> {
    if (this.fragments.length === 0) return { output: "" };
    const program = pythonProgram(this.file, this.fragments);
    const dir = mkdtempSync(join(tmpdir(), "tcpdrill-code-"));
    const path = join(dir, "code.py");
    try {
      writeFileSync(path, program.source);
      const r = await runPython(path, options);
      if (r.spawnError !== undefined) {
        const missing = r.spawnError.code === "ENOENT";
        return {
          output: r.stdout,
          failure: {
            code: "E-code",
            severity: "error",
            message: missing ? `error executing code: '${pythonCommand()}' not found (install python3 or set TCPDRILL_PYTHON)` : `error executing code: ${r.spawnError.message}`,
            span: this.events[0]!.span,
          },
        };
      }
      if (r.status === 0 && !r.timedOut) return { output: r.stdout };
      const found = pythonFailure(program, path, this.file, r.stderr);
      const event = this.events[found.fragment ?? 0]!;
      const notes: DiagnosticNote[] = [];
      if (found.text !== "") notes.push({ message: found.text });
      const missing = this.targetKind === "model" ? /NameError: name '(tcpi_\w+|bbr_\w+|dctcp_\w+|tcpv_\w+|tcp_rtt|tcp_minrtt|SK_MEMINFO_\w+)' is not defined/.exec(found.text) : null;
      if (missing !== null) {
        const field = missing[1]!;
        const known = field.startsWith("tcpi_") && TCP_INFO_VARS.includes(field.slice(5));
        notes.push({
          message: known || !field.startsWith("tcpi_")
            ? `the model target does not track ${field} (it fills only part of TCP_INFO, and no TCP_CC_INFO or SO_MEMINFO); the kernel target does`
            : `${field} is not a TCP_INFO field packetdrill defines`,
        });
      }
      if (r.timedOut) notes.push({ message: `python did not finish within ${options.timeoutMs ?? 60_000} ms` });
      const marked = found.fragment !== undefined && r.stderr.includes(PYTHON_ERROR);
      return {
        output: r.stdout,
        failure: {
          code: "E-python",
          severity: "error",
          // A block that raised names itself; anything else (a SyntaxError, which Python reports
          // while compiling, before any block runs) is packetdrill's "error executing code".
          message: marked ? PYTHON_ERROR : `error executing code: '${pythonCommand()}' returned non-zero status ${r.status ?? "(killed)"}`,
          span: event.span,
          ...(notes.length > 0 ? { notes } : {}),
        },
      };
    } finally {
      // Off the event loop: on a file system mounted with `discard`, freeing a file's blocks
      // waits for the device (ms), and another run may be timing its events.
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

interface PythonRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly spawnError?: SpawnError;
}

/** Output to files in the program's directory (spawn.ts: no pipes, no fork of tcpdrill). */
async function runPython(path: string, options: EvaluateOptions): Promise<PythonRun> {
  const stdoutFile = join(dirname(path), "stdout");
  const stderrFile = join(dirname(path), "stderr");
  let child: Spawned;
  try {
    child = await spawnProcess({ file: pythonCommand(), args: [path], ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), stdout: stdoutFile, stderr: stderrFile });
  } catch (e) {
    return { status: null, stdout: "", stderr: "", timedOut: false, spawnError: e as SpawnError };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, options.timeoutMs ?? 60_000);
  try {
    const { code } = await child.exit;
    return { status: code, stdout: readOutput(stdoutFile), stderr: readOutput(stderrFile), timedOut };
  } finally {
    clearTimeout(timer);
  }
}
