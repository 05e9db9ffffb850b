/**
 * Decodes the C escapes of a string literal as written between its quotes (`\n`, `\t`, `\\`,
 * `\"`, `\xHH`, octal `\ooo`...). Each decoded character is one byte value (0-255) for `\x` and
 * octal escapes, so `"\xf7\x63"` decodes to two characters with codes 0xf7 and 0x63.
 */
export function decodeCString(raw: string): string {
  if (!raw.includes("\\")) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== "\\" || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const n = raw[++i]!;
    switch (n) {
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "r":
        out += "\r";
        break;
      case "a":
        out += "\x07";
        break;
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case "v":
        out += "\v";
        break;
      case "e":
        out += "\x1b";
        break;
      case "x": {
        const m = /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 1));
        if (!m) {
          out += "x";
          break;
        }
        out += String.fromCharCode(Number.parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      default:
        if (n >= "0" && n <= "7") {
          const m = /^[0-7]{1,3}/.exec(raw.slice(i))!;
          out += String.fromCharCode(Number.parseInt(m[0], 8) & 0xff);
          i += m[0].length - 1;
        } else out += n; // \\ \" \' \? and unknown escapes stand for the character itself
    }
  }
  return out;
}
