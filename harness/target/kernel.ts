/**
 * The kernel target: a sandbox (network namespace + tun0 + syscall thread) behind the Target
 * interface. The sandbox speaks nanoseconds since its creation; the runner speaks microseconds.
 */
import { readFileSync } from "node:fs";
import { createSandbox, type Sandbox } from "../sandbox";
import type { Emitted, ExecResult, SyscallRequest, SyscallResult, Target, TargetOptions } from "./target";

const NS = 1000;

export class KernelTarget implements Target {
  readonly kind = "kernel" as const;
  private readonly sandbox: Sandbox;
  private readonly options: TargetOptions;

  private constructor(sandbox: Sandbox, options: TargetOptions) {
    this.sandbox = sandbox;
    this.options = options;
  }

  static async create(options: TargetOptions): Promise<KernelTarget> {
    const sandbox = await createSandbox({
      mode: options.mode,
      localIp: options.localIp,
      remoteIp: options.remoteIp,
      ...(options.gatewayIp !== undefined ? { gatewayIp: options.gatewayIp } : {}),
      ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
    });
    return new KernelTarget(sandbox, options);
  }

  now(): number {
    return this.sandbox.nowNs() / NS;
  }

  sleepUntil(time: number): Promise<void> {
    return this.sandbox.sleepUntilNs(time * NS);
  }

  async nextPacket(deadline: number): Promise<Emitted | undefined> {
    const p = await this.sandbox.nextPacket(deadline * NS);
    return p === undefined ? undefined : { bytes: p.bytes, time: p.timeNs / NS };
  }

  async inject(bytes: Uint8Array): Promise<void> {
    const r = this.sandbox.inject(bytes);
    if (r.ret < 0) throw new Error(`writing to tun0 failed (errno ${r.errno})`);
  }

  async syscall(request: SyscallRequest): Promise<SyscallResult> {
    const o = await this.sandbox.syscall(request);
    return {
      ret: o.ret,
      ...(o.errnoName !== undefined && o.errno !== 0 ? { errno: o.errnoName } : {}),
      out: o.out,
      start: o.startNs / NS,
      end: o.endNs / NS,
    };
  }

  /**
   * The syscall thread is inside the script's call once /proc shows it asleep in a syscall other
   * than the ones an idle worker waits in (epoll_wait/epoll_pwait/epoll_pwait2, futex). Polled on
   * the event loop, bounded by `maxMs` (run_system_call.c: is_thread_sleeping).
   */
  async whenBlocked(maxMs: number): Promise<void> {
    const file = `/proc/self/task/${this.sandbox.threadId}/syscall`;
    const idle = new Set([232, 281, 441, 202]);
    const end = Date.now() + maxMs;
    while (Date.now() < end) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        return;
      }
      const nr = Number(text.split(" ")[0]);
      if (Number.isInteger(nr) && nr >= 0 && !idle.has(nr)) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  tcpState(fd: number): string | undefined {
    try {
      return this.sandbox.tcpState(fd);
    } catch {
      return undefined;
    }
  }

  async exec(command: string, timeoutMs: number): Promise<ExecResult> {
    const r = await this.sandbox.exec(command, { timeoutMs, cwd: this.options.cwd, env: { ...this.options.env } });
    const status = r.timedOut ? 124 : r.signal !== undefined && r.signal !== null ? 128 : r.status ?? 0;
    return { status, stdout: r.stdout, stderr: r.stderr + (r.timedOut ? `\n(timed out after ${timeoutMs} ms)` : "") };
  }

  async close(): Promise<void> {
    await this.sandbox.close();
  }
}
