/**
 * Kernel specs need root, /dev/net/tun and unshare. Without them a spec skips and says why, once,
 * in the same words everywhere, so a skipped kernel spec is never mistaken for a passing one.
 */
import { sandboxSupport } from "../../harness/sandbox";

export function requireKernel(ctx: Mocha.Context): void {
  const support = sandboxSupport();
  if (!support.ok) {
    console.log(`      pending: kernel target unavailable: ${support.reason}`);
    ctx.skip();
  }
}
