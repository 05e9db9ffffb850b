/**
 * RFC 9293's numbered requirements (its Section 2.1 labels every BCP 14 keyword: MUST-n covers
 * MUST and MUST NOT, SHLD-n SHOULD and SHOULD NOT, MAY-n MAY, REC-n RECOMMENDED; Appendix B,
 * Table 8 summarises them). One entry per id, with the section whose text carries the label and
 * a one-line paraphrase in our own words (not the RFC's sentences).
 *
 * Id format: `<LEVEL>-<n>` with LEVEL one of MUST, SHLD, MAY, REC and n a decimal without leading
 * zeros, exactly as RFC 9293 spells it: `MUST-10`, `SHLD-5`, `MAY-3`, `REC-1`.
 *
 * Facts worth knowing when reading this table:
 * - The numbers are in order of introduction into the draft, not of position in the text: MUST-64
 *   .. MUST-69 sit in Sections 3.1-3.8, MUST-58/59 in 3.10.7.4.
 * - Complete ranges: MUST-1..69, SHLD-1..31, MAY-1..18, REC-1. No other ids exist.
 * - MUST-22 has no label in the text: only Table 8 names it ("same mechanism for SYNs"); the
 *   sentence it refers to is the unlabelled one in Section 3.8.3.
 * - SHLD-13 is labelled twice in the text (3.8.5 and 3.9.1.2); MUST-15, MUST-20, MUST-46, MUST-56,
 *   MUST-57 and SHLD-5 have several rows in Table 8 (IPv4/IPv6 variants, or two feature groups).
 * - Table 8 marks SHLD-25 in its MUST column and MAY-5/10/11 in its SHOULD column; the text's
 *   keyword (SHOULD resp. MAY) is what `level` records.
 *
 * `observable: false` marks requirements no script can decide from the wire or the socket API
 * (secrets, internal data layout, rules for applications rather than for TCP); coverage lists
 * them with their reason and does not count them as gaps.
 */

export type RequirementLevel = "MUST" | "SHLD" | "MAY" | "REC";

/** Appendix B's feature groups (Table 8 headings), used to select e.g. connection management. */
export type RequirementGroup =
  | "push"
  | "window"
  | "urgent"
  | "options"
  | "checksum"
  | "isn"
  | "opening"
  | "closing"
  | "retransmission"
  | "acks"
  | "sending"
  | "failures"
  | "keepalive"
  | "ip-options"
  | "icmp"
  | "address"
  | "interface"
  | "rfc5961"
  | "ecn"
  | "congestion";

export interface Requirement {
  /** `MUST-10`, `SHLD-5`, `MAY-3`, `REC-1`. */
  readonly id: string;
  readonly level: RequirementLevel;
  readonly n: number;
  /** Section whose text carries the label (for MUST-22: the section Table 8 points at). */
  readonly section: string;
  /** Further sections labelling the same id. */
  readonly alsoIn?: readonly string[];
  readonly group: RequirementGroup;
  /** Our paraphrase, one line. */
  readonly summary: string;
  readonly observable: boolean;
  /** Why a script cannot observe it (only when observable is false). */
  readonly reason?: string;
}

/** Groups that make up connection management (opening, closing, ISNs, giving up on a peer). */
export const CONNECTION_MANAGEMENT_GROUPS: readonly RequirementGroup[] = ["isn", "opening", "closing", "failures"];

function r(level: RequirementLevel, n: number, section: string, group: RequirementGroup, summary: string, extra: { alsoIn?: readonly string[]; hidden?: string } = {}): Requirement {
  return {
    id: `${level}-${n}`,
    level,
    n,
    section,
    ...(extra.alsoIn !== undefined ? { alsoIn: extra.alsoIn } : {}),
    group,
    summary,
    observable: extra.hidden === undefined,
    ...(extra.hidden !== undefined ? { reason: extra.hidden } : {}),
  };
}

export const RFC9293_REQUIREMENTS: readonly Requirement[] = [
  // ---- MUST (and MUST NOT) ----
  r("MUST", 1, "3.1", "window", "The 16-bit window field is an unsigned quantity (large windows must not turn negative)."),
  r("MUST", 2, "3.1", "checksum", "Every transmitted segment carries a correct checksum."),
  r("MUST", 3, "3.1", "checksum", "Incoming segments are checksum-verified (bad ones are not acted on)."),
  r("MUST", 4, "3.1", "options", "EOL, NOP and MSS options are supported."),
  r("MUST", 5, "3.1", "options", "Options are accepted in any segment, not only in SYNs."),
  r("MUST", 6, "3.1", "options", "An option the stack does not know, with a length field, is skipped without error."),
  r("MUST", 7, "3.1", "options", "An illegal option length (e.g. zero) is handled safely, e.g. by resetting the connection."),
  r("MUST", 8, "3.4.1", "isn", "Initial sequence numbers are driven by a clock (they advance with time)."),
  r("MUST", 9, "3.4.1", "isn", "The ISN's pseudorandom part cannot be computed by an outsider.", {
    hidden: "unpredictability rests on a secret key inside the host; a script can show that ISNs differ, never that nobody can compute them",
  }),
  r("MUST", 10, "3.5", "opening", "Simultaneous open (both ends send a SYN) leads to an established connection."),
  r("MUST", 11, "3.5", "opening", "SYN-RECEIVED remembers whether it came from a passive or an active open (a RST sends it back to LISTEN resp. refuses the connection)."),
  r("MUST", 12, "3.6", "closing", "The application learns whether the peer closed normally (FIN) or aborted (RST)."),
  r("MUST", 13, "3.6.1", "closing", "The side that closes first stays in TIME-WAIT for 2 MSL."),
  r("MUST", 14, "3.7.1", "options", "The MSS option is both sent and honoured when received."),
  r("MUST", 15, "3.7.1", "options", "Without a received MSS option the send MSS defaults to 536 (IPv4) or 1220 (IPv6)."),
  r("MUST", 16, "3.7.1", "options", "Segments sent are no larger than the smaller of the peer's MSS and what the IP layer allows, less header and option bytes."),
  r("MUST", 17, "3.7.4", "sending", "An application can switch the Nagle algorithm off for one connection."),
  r("MUST", 18, "3.8.1", "retransmission", "The retransmission timeout follows RFC 6298, with Karn's rule for RTT samples."),
  r("MUST", 19, "3.8.2", "retransmission", "Slow start, congestion avoidance and exponential RTO backoff are implemented."),
  r("MUST", 20, "3.8.3", "failures", "Excessive retransmission is handled with two thresholds: advise IP at R1, close the connection at R2."),
  r("MUST", 21, "3.8.3", "failures", "An application can set R2 (how long to keep retransmitting before giving up) per connection."),
  r("MUST", 22, "3.8.3", "failures", "Retransmitted SYNs follow the same R1/R2 handling as data, including telling the application."),
  r("MUST", 23, "3.8.3", "failures", "A SYN keeps being retransmitted for at least 3 minutes before the open gives up."),
  r("MUST", 24, "3.8.4", "keepalive", "If keep-alives exist, an application can turn them on or off per connection."),
  r("MUST", 25, "3.8.4", "keepalive", "Keep-alives are off unless the application asks for them."),
  r("MUST", 26, "3.8.4", "keepalive", "A keep-alive is sent only when nothing is outstanding and nothing has arrived for the idle interval."),
  r("MUST", 27, "3.8.4", "keepalive", "The keep-alive idle interval is configurable."),
  r("MUST", 28, "3.8.4", "keepalive", "The keep-alive idle interval defaults to two hours or more."),
  r("MUST", 29, "3.8.4", "keepalive", "One unanswered keep-alive probe does not by itself declare the connection dead."),
  r("MUST", 30, "3.8.5", "urgent", "The urgent mechanism (URG flag and pointer) is supported."),
  r("MUST", 31, "3.8.5", "urgent", "Urgent data of any length is supported."),
  r("MUST", 32, "3.8.5", "urgent", "The application is told asynchronously when urgent data starts or the urgent pointer moves forward."),
  r("MUST", 33, "3.8.5", "urgent", "The application can find out whether (or how much) urgent data is still unread."),
  r("MUST", 34, "3.8.6", "window", "A sender copes with a peer that shrinks its window (usable window below zero)."),
  r("MUST", 35, "3.8.6", "window", "A window shrunk to zero is probed the standard way."),
  r("MUST", 36, "3.8.6.1", "window", "Zero windows are probed."),
  r("MUST", 37, "3.8.6.1", "window", "A connection whose peer keeps acknowledging probes of a zero window stays open, however long."),
  r("MUST", 38, "3.8.6.2.1", "sending", "The sender avoids silly window syndrome."),
  r("MUST", 39, "3.8.6.2.2", "acks", "The receiver avoids silly window syndrome (right edge advances in sizeable steps)."),
  r("MUST", 40, "3.8.6.3", "acks", "A delayed ACK is sent within 0.5 s."),
  r("MUST", 41, "3.9.1.1", "opening", "A passive open creates a new listener or fails; it never disturbs existing connections."),
  r("MUST", 42, "3.9.1.1", "opening", "An application can listen on a port while another connection on that local port is in SYN-SENT or SYN-RECEIVED."),
  r("MUST", 43, "3.9.1.1", "interface", "An open can name the local IP address to use."),
  r("MUST", 44, "3.9.1.1", "opening", "Without a given local address, an active open lets IP choose the source address before the first SYN."),
  r("MUST", 45, "3.9.1.1", "opening", "Once a segment was sent or received, the connection keeps using the same local address."),
  r("MUST", 46, "3.9.1.1", "opening", "An active open to an invalid remote address (broadcast, multicast) is refused with an error."),
  r("MUST", 47, "3.9.1.8", "interface", "Soft errors (ICMP, excessive retransmission, urgent advance) can be reported to the application."),
  r("MUST", 48, "3.9.1.9", "interface", "An application can set the Diffserv field of its outgoing segments."),
  r("MUST", 49, "3.9.2", "sending", "The TTL / hop limit of outgoing segments is configurable."),
  r("MUST", 50, "3.9.2", "ip-options", "IP options TCP does not understand are ignored."),
  r("MUST", 51, "3.9.2.1", "ip-options", "An application can give a source route for an active open."),
  r("MUST", 52, "3.9.2.1", "ip-options", "The application's source route wins over one received in a datagram."),
  r("MUST", 53, "3.9.2.1", "ip-options", "For a passive open, a received complete source route is reversed and used for every segment sent."),
  r("MUST", 54, "3.9.2.2", "icmp", "ICMP errors are delivered to and acted on by the connection they concern."),
  r("MUST", 55, "3.9.2.2", "icmp", "ICMP Source Quench is silently ignored."),
  r("MUST", 56, "3.9.2.2", "icmp", "Soft ICMP errors (unreachable codes 0/1/5, time exceeded, parameter problem) do not abort the connection."),
  r("MUST", 57, "3.9.2.3", "opening", "A SYN addressed to a broadcast or multicast address is silently dropped."),
  r("MUST", 58, "3.10.7.4", "acks", "Segment processing aggregates ACKs whenever it can.", {
    hidden: "'whenever it can' depends on how the stack batches its input internally; a script can show one instance (MUST-59's filled gap) but never that no chance was missed",
  }),
  // Observable where the queue is visible: the out-of-order queue drained by the segment that
  // fills the gap must produce one cumulative ACK, not one per queued segment.
  r("MUST", 59, "3.10.7.4", "acks", "All queued incoming segments are processed before any ACK for them is sent."),
  r("MUST", 60, "3.9.1.2", "push", "Without PUSH on send calls, data is never held back indefinitely."),
  r("MUST", 61, "3.9.1.2", "push", "Without PUSH on send calls, the segment that empties the send queue carries PSH."),
  r("MUST", 62, "3.8.5", "urgent", "The urgent pointer points just past the last urgent octet."),
  r("MUST", 63, "3.9.2.3", "address", "A SYN from an invalid source address is ignored."),
  r("MUST", 64, "3.2", "options", "Options are parsed correctly whatever their alignment."),
  r("MUST", 65, "3.2", "options", "The MSS option appears only in SYN segments."),
  r("MUST", 66, "3.4", "window", "RST and URG are processed even while the receive window is zero."),
  r("MUST", 67, "3.7.1", "options", "The advertised MSS is at most the largest reassemblable transport message minus 20."),
  r("MUST", 68, "3.1", "options", "Every option other than EOL and NOP carries a length field."),
  r("MUST", 69, "3.1", "options", "Header bytes after an EOL option are zero."),

  // ---- SHOULD (and SHOULD NOT) ----
  r("SHLD", 1, "3.4.1", "isn", "ISNs are a clock plus a keyed pseudorandom function of the connection's addresses and ports."),
  r("SHLD", 2, "3.5.3", "closing", "A RST carrying data is accepted."),
  r("SHLD", 3, "3.6.1", "closing", "A half-duplex close that discards unread or later-arriving data sends a RST to say data was lost."),
  r("SHLD", 4, "3.6.1", "closing", "Timestamps are used to shorten TIME-WAIT as in RFC 6191."),
  r("SHLD", 5, "3.7.1", "options", "A SYN carries an MSS option whenever the receive MSS differs from the 536/1220 default."),
  r("SHLD", 6, "3.7.3", "options", "With a varying MTU the advertised MSS derives from the smallest one."),
  r("SHLD", 7, "3.7.4", "sending", "The Nagle algorithm is implemented."),
  r("SHLD", 8, "3.8.2", "ecn", "ECN (RFC 3168) is implemented."),
  r("SHLD", 9, "3.8.3", "failures", "The application hears about delivery trouble between R1 and R2."),
  r("SHLD", 10, "3.8.3", "failures", "R1 is at least 3 retransmissions."),
  r("SHLD", 11, "3.8.3", "failures", "R2 is at least 100 seconds."),
  r("SHLD", 12, "3.8.4", "keepalive", "Keep-alive probes carry no data."),
  r("SHLD", 13, "3.8.5", "urgent", "New applications do not use the urgent mechanism.", {
    alsoIn: ["3.9.1.2"],
    hidden: "a rule for applications, not for the TCP implementation",
  }),
  r("SHLD", 14, "3.8.6", "window", "A receiver does not shrink its window (move the right edge left)."),
  r("SHLD", 15, "3.8.6", "window", "After the peer shrank the window, no new data beyond it is sent."),
  r("SHLD", 16, "3.8.6", "window", "After the peer shrank the window, unacknowledged data inside it is retransmitted as usual."),
  r("SHLD", 17, "3.8.6", "window", "Data beyond a shrunk window's edge going unacknowledged does not time the connection out."),
  r("SHLD", 18, "3.8.6.3", "acks", "Delayed ACKs are implemented."),
  r("SHLD", 19, "3.8.6.3", "acks", "At least every second full-sized segment (or 2*RMSS bytes) is acknowledged."),
  r("SHLD", 20, "3.9.1.8", "interface", "An application can turn asynchronous error reports off."),
  r("SHLD", 21, "3.9.1.9", "interface", "An application can change the Diffserv field while connected."),
  r("SHLD", 22, "3.9.1.9", "interface", "The Diffserv value is handed to IP unchanged."),
  r("SHLD", 23, "3.9.2", "interface", "Applications avoid changing the Diffserv field mid-connection.", {
    hidden: "a rule for applications, not for the TCP implementation",
  }),
  r("SHLD", 24, "3.9.2.1", "ip-options", "A later received source route replaces an earlier one."),
  r("SHLD", 25, "3.9.2.2", "icmp", "Soft ICMP errors are made available to the application."),
  r("SHLD", 26, "3.9.2.2", "icmp", "Hard ICMP errors (unreachable codes 2-4) abort the connection."),
  r("SHLD", 27, "3.9.1.2", "push", "Successive PSH requests are collapsed so segments stay as large as possible."),
  r("SHLD", 28, "3.9.1.2", "push", "Maximum-sized segments are sent whenever possible."),
  r("SHLD", 29, "3.8.6.1", "window", "The first zero-window probe goes out one RTO after the window closed."),
  r("SHLD", 30, "3.8.6.1", "window", "Zero-window probe intervals grow exponentially."),
  r("SHLD", 31, "3.10.7.4", "acks", "Segments beyond RCV.NXT (out of order, in window) are kept for later."),

  // ---- MAY ----
  r("MAY", 1, "3.6.1", "closing", "A close may be half-duplex (no reading after close)."),
  r("MAY", 2, "3.6.1", "closing", "A new SYN may reopen a connection straight from TIME-WAIT (ISN above the old one)."),
  r("MAY", 3, "3.7.1", "options", "The MSS option may be sent in every SYN."),
  r("MAY", 4, "3.8.1", "retransmission", "An identical retransmission may reuse the IPv4 Identification value."),
  r("MAY", 5, "3.8.4", "keepalive", "Keep-alives may be implemented."),
  r("MAY", 6, "3.8.4", "keepalive", "Keep-alive probes may be configurable to carry one garbage octet."),
  r("MAY", 7, "3.8.6", "window", "Data beyond a shrunk window may be retransmitted."),
  r("MAY", 8, "3.8.6.1", "window", "A receiver may keep its window closed indefinitely."),
  r("MAY", 9, "3.9.1.9", "interface", "The last received Diffserv value may be passed to the application."),
  r("MAY", 10, "3.9.2", "ip-options", "The IP Timestamp option may be supported."),
  r("MAY", 11, "3.9.2", "ip-options", "The IP Record Route option may be supported."),
  r("MAY", 12, "3.10.7.4", "rfc5961", "RFC 5961's ACK-range check against blind data injection may be implemented."),
  r("MAY", 13, "3.10.7.4", "acks", "An in-window segment not at the left edge may trigger an immediate ACK of RCV.NXT."),
  r("MAY", 14, "3.9.1.7", "interface", "A FLUSH call may be offered."),
  r("MAY", 15, "3.9.1.2", "push", "Send calls may carry a PUSH flag."),
  r("MAY", 16, "3.9.1.2", "push", "Data from sends without PUSH may be aggregated before sending."),
  r("MAY", 17, "3.9.1.3", "push", "A received PSH may be passed up to the application."),
  r("MAY", 18, "3.8.2", "congestion", "Alternative congestion control algorithms may be used if they conform to IETF guidance.", {
    hidden: "conformance of an algorithm to RFC 2914/5033/8961 is a design review, not a wire behaviour",
  }),

  // ---- RECOMMENDED ----
  r("REC", 1, "3.1", "window", "Window sizes are kept in 32-bit fields and computed with 32 bits.", {
    hidden: "the width of fields in the connection record is internal; only its consequences (e.g. large scaled windows) show",
  }),
];

/**
 * RFC 9293's numbered sections (and appendices), for `§3.10.7.4` references in script headers:
 * behaviour the event-processing text prescribes without a numbered requirement.
 */
export const RFC9293_SECTIONS: readonly string[] = [
  "1", "2", "2.1", "2.2",
  "3", "3.1", "3.2", "3.2.1", "3.2.2", "3.3", "3.3.1", "3.3.2",
  "3.4", "3.4.1", "3.4.2", "3.4.3",
  "3.5", "3.5.1", "3.5.2", "3.5.3", "3.6", "3.6.1",
  "3.7", "3.7.1", "3.7.2", "3.7.3", "3.7.4", "3.7.5",
  "3.8", "3.8.1", "3.8.2", "3.8.3", "3.8.4", "3.8.5", "3.8.6", "3.8.6.1", "3.8.6.2", "3.8.6.2.1", "3.8.6.2.2", "3.8.6.3",
  "3.9", "3.9.1", "3.9.1.1", "3.9.1.2", "3.9.1.3", "3.9.1.4", "3.9.1.5", "3.9.1.6", "3.9.1.7", "3.9.1.8", "3.9.1.9",
  "3.9.2", "3.9.2.1", "3.9.2.2", "3.9.2.3",
  "3.10", "3.10.1", "3.10.2", "3.10.3", "3.10.4", "3.10.5", "3.10.6", "3.10.7", "3.10.7.1", "3.10.7.2", "3.10.7.3", "3.10.7.4", "3.10.8",
  "4", "5", "6", "7", "8", "8.1", "8.2",
  "A", "A.1", "A.1.1", "A.1.2", "A.2", "A.3", "A.4", "B",
];

const BY_ID: ReadonlyMap<string, Requirement> = new Map(RFC9293_REQUIREMENTS.map((q) => [q.id, q]));

export function requirementById(id: string): Requirement | undefined {
  return BY_ID.get(id);
}

export function isConnectionManagement(q: Requirement): boolean {
  return CONNECTION_MANAGEMENT_GROUPS.includes(q.group);
}

/** `MUST-10` → true; `MUST-010`, `must-10`, `SHOULD-1` → false (the id grammar, not existence). */
export const REQUIREMENT_ID_PATTERN = /^(MUST|SHLD|MAY|REC)-([1-9][0-9]*)$/;
