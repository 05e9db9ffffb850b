import { expect } from "chai";
import type { Diagnostic } from "../../../lib/diagnostics/types";
import { Lexer } from "../../../lib/script/lexer";
import type { Token } from "../../../lib/script/tokens";

function lex(text: string, defines: Record<string, string> = {}): { tokens: Token[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const lexer = new Lexer(text, "t.pkt", new Map(Object.entries(defines)), diagnostics);
  const tokens: Token[] = [];
  for (let t = lexer.next(); t.kind !== "eof"; t = lexer.next()) tokens.push(t);
  return { tokens, diagnostics };
}

const kinds = (text: string, defines?: Record<string, string>): string[] =>
  lex(text, defines).tokens.map((t) => `${t.kind}:${t.text}`);

describe("script/lexer: packetdrill's longest-match rules", () => {
  it("splits flags, sequence ranges and windows like flex does", () => {
    expect(kinds("S. 0:0(0) win 100")).to.deep.equal([
      "word:S", "punct:.", "int:0", "punct::", "int:0", "punct:(", "int:0", "punct:)", "keyword:win", "int:100",
    ]);
  });

  it("reads the AccECN digit after the ACK dot as a FLOAT, as packetdrill's ack_and_ace rule expects", () => {
    expect(kinds("P.5 .3")).to.deep.equal(["word:P", "float:.5", "float:.3"]);
  });

  it("prefers the longer of keyword and word, and the earlier rule on a tie", () => {
    expect(kinds("ack ackx mss1 sequence# 0x1f 0x1fg 123 123abc")).to.deep.equal([
      "keyword:ack", "word:ackx", "word:mss1", "keyword:sequence#", "hex:0x1f", "word:0x1fg", "int:123", "word:123abc",
    ]);
  });

  it("reads times, negative numbers, ellipses and options", () => {
    expect(kinds("+.1 0.100 -1 -.5 ...0.2 --tolerance_usecs=10")).to.deep.equal([
      "punct:+", "float:.1", "float:0.100", "int:-1", "float:-.5", "ellipsis:...", "float:0.2", "option:tolerance_usecs",
      "punct:=", "int:10",
    ]);
  });

  it("recognises IPv4 and IPv6 addresses without swallowing sequence ranges", () => {
    expect(kinds("1.1.1.1: 2::2222 > 1::1111: fd3d:fa7b:d17d::1 1:1001(1000) ::ffff:192.0.2.1")).to.deep.equal([
      "ipv4:1.1.1.1", "punct::", "ipv6:2::2222", "punct:>", "ipv6:1::1111", "punct::", "ipv6:fd3d:fa7b:d17d::1",
      "int:1", "punct::", "int:1001", "punct:(", "int:1000", "punct:)", "ipv6:::ffff:192.0.2.1",
    ]);
  });

  it("keeps hex cookies that start with digits as one word", () => {
    expect(kinds("FO 3021b9d889017eeb,FOEXP 00abaaabe8e954c2")).to.deep.equal([
      "keyword:FO", "word:3021b9d889017eeb", "punct:,", "keyword:FOEXP", "word:00abaaabe8e954c2",
    ]);
  });

  it("substitutes defines in words only: plain values stay words, quoted ones become strings or commands", () => {
    const d = { CODE: "host_unreachable", CC: '"reno"', CMD: "`echo hi`", ack: "nope" };
    const ts = lex("CODE CC CMD ack", d).tokens;
    expect(ts.map((t) => [t.kind, t.text, t.define])).to.deep.equal([
      ["word", "host_unreachable", "CODE"],
      ["string", "reno", "CC"],
      ["command", "echo hi", "CMD"],
      ["keyword", "ack", undefined],
    ]);
  });

  it("skips // and /* */ comments, with flex's pairing of stars", () => {
    expect(kinds("a // x\nb /* y */ c")).to.deep.equal(["word:a", "word:b", "word:c"]);
    // `*` pairs with the next character, so "**/" does not close this comment; the next "*/" does.
    expect(kinds("a /* x**/ still comment */ b")).to.deep.equal(["word:a", "word:b"]);
  });

  it("keeps string and command contents raw, and code trimmed of spaces and tabs", () => {
    expect(kinds('"a\\"b" `x\ny` %{ \tprint(1) }%')).to.deep.equal(['string:a\\"b', "command:x\ny", "code:print(1)"]);
  });

  it("marks the first token of each line", () => {
    const ts = lex("0 a(\n  b) = 1\n+0 c").tokens;
    expect(ts.filter((t) => t.lineStart).map((t) => t.text)).to.deep.equal(["0", "b", "+"]);
  });

  it("reports unterminated strings, commands, comments and code blocks", () => {
    for (const [src, msg] of [
      ['x "abc', "Unterminated string literal"],
      ["x `abc", "Unterminated command"],
      ["x /* abc", "Unterminated comment"],
      ["x %{ abc", "Unterminated code block"],
    ] as const) {
      const r = lex(src);
      expect(r.diagnostics.map((d) => d.message.split(":")[0])).to.deep.equal([msg]);
      expect(r.diagnostics[0]!.span!.start.col).to.equal(3);
    }
  });

  it("treats a carriage return as a character, not a blank", () => {
    expect(kinds("a\r\nb")).to.deep.equal(["word:a", "punct:\r", "word:b"]);
  });
});
