/**
 * Writing specs in TypeScript: a builder that produces packetdrill text for the same parser and
 * runner as .pkt files, runs from text (runSource), a chai plugin for traces, and the mechanical
 * mutations the mutation spec uses to show that scripts can fail.
 */
export { script, ScriptBuilder, formatSeconds, type TimeSpec } from "./builder";
export { runSource, type RunSourceOptions, type SpecTrace } from "./run-source";
export { tcpdrillChai, renderFailure } from "./chai";
export { findSegment, parseSegment, type SegmentVerdict, type SniffEntry } from "./segment";
export { deepMutations, mutations, type Mutation } from "./mutate";
export { callerSite, formatCallSite, type CallSite } from "./call-site";
