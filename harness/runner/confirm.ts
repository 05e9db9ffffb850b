/**
 * Repeating a run until its outcome is settled (lib/trace/confirm.ts says when and how).
 */
import { needsConfirmation, representative, settled, type ConfirmPolicy } from "../../lib/trace/confirm";
import type { JobResult } from "./run-job";

/**
 * `first`, or, when its outcome may be timing luck, the majority's result after as many runs of
 * `again` as settle it.
 */
export async function confirmed(first: JobResult, again: () => Promise<JobResult>, policy: ConfirmPolicy): Promise<JobResult> {
  if (!needsConfirmation(first.trace, policy)) return first;
  const runs = [first];
  while (!settled(runs.map((r) => r.trace), policy.repeats)) runs.push(await again());
  // Every run read the same file: the first one's text renders any of their diagnostics.
  return { trace: representative(runs.map((r) => r.trace)), source: first.source };
}
