/**
 * lib/match: script space vs live space, and packetdrill's rules for turning script lines into
 * packets to inject (inbound), comparing what the kernel sent (outbound, aggregate), timing, and
 * the RST that ends a connection.
 */
export * from "./space";
export * from "./timing";
export { buildInbound, type Built, type InboundContext } from "./inbound";
export { compareOutbound, expectedFromSpec, fieldOfReason, toScriptSpace, type CompareOptions, type Mismatch } from "./outbound";
export { aggregate, fragmentError, payloadLength } from "./aggregate";
export { rememberInjected, rememberOutbound, resetPacket } from "./reset";
export { checkField, verifyHeaders, expectedFromPacket, type ExpectedHeaders, type HeaderType } from "./headers";
