/**
 * A chai plugin for traces:
 *
 *     use(tcpdrillChai);
 *     expect(trace).to.pass;                                   // fails with the rendered diagnostic
 *     expect(trace).to.include.segment("F. 1:1(0) ack 2");     // script notation; win/options optional
 *     expect(trace).to.reach.state("TIME_WAIT");               // any socket, or .state("LISTEN", 3)
 *
 * All three negate with `.not`. The subject is a Trace (a SpecTrace also carries its source text,
 * so a failure shows the offending script line).
 */
import { renderDiagnostic } from "../../lib/diagnostics/render";
import type { Trace } from "../../lib/trace/types";
import { findSegment, parseSegment } from "./segment";

declare global {
  // chai's types live in the global `Chai` namespace; this only adds members to its interface.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** The run's verdict is "pass"; otherwise the message is the rendered diagnostic. */
      readonly pass: Assertion;
      /** A language chain for `.reach.state(...)`. */
      readonly reach: Assertion;
      /** The target emitted a segment matching this `>` line (omitted win/options are not checked). */
      segment(expected: string): Assertion;
      /** Some socket (or the one with script fd `fd`) entered this TCP state (tcpi_state name). */
      state(name: string, fd?: number): Assertion;
    }
    interface Include {
      /** `expect(trace).to.include.segment("F. 1:1(0) ack 2")`: as Assertion.segment. */
      segment(expected: string): Assertion;
    }
  }
}

function asTrace(obj: unknown): Trace {
  const t = obj as Partial<Trace> | null;
  if (t === null || typeof t !== "object" || !Array.isArray(t.entries) || typeof t.verdict !== "string") {
    throw new TypeError(`expected a tcpdrill Trace, got ${typeof obj}`);
  }
  return t as Trace;
}

/** The failure as tcpdrill prints it, with the script line when the trace carries its source. */
export function renderFailure(trace: Trace): string {
  const source = (trace as { source?: unknown }).source;
  const head = `${trace.verdict}: ${trace.script} [${trace.mode}] ${trace.target}`;
  if (trace.failure === undefined) return `${head} (no diagnostic)`;
  return `${head}\n${renderDiagnostic(trace.failure, typeof source === "string" ? source : undefined)}`;
}

function sniffed(trace: Trace): string {
  const lines = trace.entries.flatMap((e) => (e.kind === "sniff" ? [`  ${(e.time / 1e6).toFixed(6)} > ${e.text}`] : []));
  return lines.length === 0 ? "  (no segment was sent)" : lines.join("\n");
}

function states(trace: Trace): string {
  const seen = trace.entries.flatMap((e) => (e.kind === "state" ? [`fd ${e.fd}: ${e.state}`] : []));
  return seen.length === 0 ? "(no state recorded)" : seen.join(", ");
}

export const tcpdrillChai: Chai.ChaiPlugin = (chai, utils) => {
  const A = chai.Assertion;

  A.addProperty("reach", function () {
    return this;
  });

  A.addProperty("pass", function () {
    const trace = asTrace(utils.flag(this, "object"));
    const ok = trace.verdict === "pass";
    const report = ok ? "" : renderFailure(trace);
    this.assert(ok, `expected the script to pass, but it did not:\n${report}`, `expected the script not to pass, but it passed: ${trace.script}`, "pass", trace.verdict);
  });

  A.addMethod("segment", function (expected: string) {
    const trace = asTrace(utils.flag(this, "object"));
    const parsed = parseSegment(expected, trace.mode);
    if (parsed.spec === undefined) throw new TypeError(`segment(${JSON.stringify(expected)}): ${parsed.diagnostic?.message ?? "not a packet"}`);
    const verdict = findSegment(trace, parsed.spec);
    const closest = verdict.misses
      .map((m) => `  ${m.entry.text}: ${m.mismatches.map((x) => x.message).join("; ")}`)
      .join("\n");
    this.assert(
      verdict.match !== undefined,
      `expected the trace to include segment ${expected}; sent:\n${sniffed(trace)}${closest ? `\nmismatches:\n${closest}` : ""}`,
      `expected the trace not to include segment ${expected}, but it was sent: ${verdict.match?.text ?? ""}`,
      expected,
      sniffed(trace),
    );
  });

  A.addMethod("state", function (name: string, fd?: number) {
    const trace = asTrace(utils.flag(this, "object"));
    const hit = trace.entries.some((e) => e.kind === "state" && e.state === name && (fd === undefined || e.fd === fd));
    const which = fd === undefined ? "a socket" : `fd ${fd}`;
    // tcp_time_wait() hands the connection to a timewait socket and the fd's own socket reads CLOSE.
    this.assert(hit, `expected ${which} to reach ${name}; states seen: ${states(trace)}`, `expected ${which} never to reach ${name}, but it did`, name, states(trace));
  });
};
