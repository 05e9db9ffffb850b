/** Kernel specs need root, /dev/net/tun and unshare; without them they skip and say why. */
import { sandboxSupport } from "../../../../harness/sandbox/index";

export function requireSandboxes(ctx: Mocha.Context): void {
  const support = sandboxSupport();
  if (!support.ok) {
    console.log(`      (skipped: ${support.reason})`);
    ctx.skip();
  }
}

/** Host interface names, from the host namespace's sysfs. */
export function hostInterfaces(): string[] {
  return require("node:fs").readdirSync("/sys/class/net") as string[];
}
