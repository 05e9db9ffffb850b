/**
 * tcpdrill's script language: a packetdrill-compatible lexer and recursive-descent parser with
 * collected diagnostics, semantic checks, a canonical printer and the Linux symbol table.
 */
export type * from "./ast";
export { parseScript, isIpMode, type ParseOptions, type ParseResult } from "./parse";
export { printScript, printEvent, printPacket, printSyscall, printExpr, printTcpOption, printTime } from "./printer";
export { stripSpans, equalModuloSpans, firstDifference } from "./ast-equal";
export { LINUX_SYMBOLS, lookupSymbol, errnoName, errnoValue } from "./symbols-linux";
export { resolveIcmp, wireVersion, type IcmpResolution } from "./icmp";
export { tcpFlagBits } from "./parse-packet";
export { SYSCALLS, type SyscallInfo } from "./syscalls";
export { SCRIPT_OPTIONS, type OptionInfo } from "./script-options";
export { decodeCString } from "./strings";
