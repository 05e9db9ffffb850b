/**
 * For specs that drive a target directly (segments a .pkt script cannot write: bad checksums,
 * foreign addresses, unknown option kinds): one test per target × mode, the kernel's pending
 * with its reason where it cannot run, the target always closed.
 */
import { defaultConfig, type RunConfig } from "../../../harness/runner/config";
import { targetFactory } from "../../../harness/runner/run-job";
import type { SyscallResult, Target } from "../../../harness/target/target";
import type { IpMode, TargetKind } from "../../../lib/trace/types";
import { requireKernel } from "../../helpers/kernel";

/** The listener's port in these specs. */
export const PORT = 8080;

export function call(t: Target, name: string, ...args: unknown[]): Promise<SyscallResult> {
  return t.syscall({ name, args: args as never });
}

export type Family = "ipv4" | "ipv6";

/** Registers `it(title(mode, target))` for the kernel and the model, ipv4 and ipv6. */
export function forEachTarget(title: (mode: Family, target: TargetKind) => string, body: (t: Target, config: RunConfig, mode: Family) => Promise<void>): void {
  for (const target of ["kernel", "model"] as TargetKind[]) {
    for (const mode of ["ipv4", "ipv6"] as const satisfies readonly IpMode[]) {
      it(title(mode, target), async function () {
        if (target === "kernel") {
          requireKernel(this);
        }
        const config = defaultConfig(mode, { target });
        const t = await targetFactory(target)(config, __dirname);
        try {
          await body(t, config, mode);
        } finally {
          await t.close();
        }
      });
    }
  }
}
