/**
 * Reader and writer cursors: the only place that advances a byte offset, so codecs never do
 * offset arithmetic by hand (the lesson of dns-packet's sister libraries). Reads are bounds-checked
 * by `need`, which turns a short buffer into a `DecodeError` at the right offset.
 */
import { DecodeError, type DecodeErrorCode } from "./errors";

export class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    /** One past the last byte this reader may touch. */
    readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws `code` at the current offset unless `n` more bytes are available. */
  need(n: number, code: DecodeErrorCode, detail?: string): void {
    if (this.end - this.pos < n) throw new DecodeError(code, this.pos, detail);
  }

  u8(): number {
    return this.buf[this.pos++]!;
  }

  u16(): number {
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(): number {
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(): number {
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    const p = this.pos;
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  skip(n: number): void {
    this.pos += n;
  }
}

export class Writer {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
  ) {}

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }

  u24(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 16;
    b[p + 1] = v >>> 8;
    b[p + 2] = v;
    this.pos = p + 3;
  }

  u32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  zeros(n: number): void {
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }
}
