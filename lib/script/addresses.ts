/** Address validation with the rules of glibc's inet_pton(), which packetdrill uses. */

export function isIpv4Address(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  // inet_pton rejects leading zeros ("01") and values above 255.
  return parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIpv6Address(s: string): boolean {
  let text = s;
  let groupsFromV4 = 0;
  const lastColon = text.lastIndexOf(":");
  if (lastColon !== -1 && text.includes(".", lastColon)) {
    if (!isIpv4Address(text.slice(lastColon + 1))) return false;
    text = `${text.slice(0, lastColon + 1)}0`;
    groupsFromV4 = 1;
  }
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | undefined => {
    if (h === "") return [];
    const g = h.split(":");
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : undefined;
  };
  const head = groups(halves[0]!);
  if (!head) return false;
  if (halves.length === 1) return head.length + groupsFromV4 === 8;
  const tail = groups(halves[1]!);
  if (!tail) return false;
  return head.length + tail.length + groupsFromV4 <= 7;
}
