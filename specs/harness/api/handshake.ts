// A passive open and active close built with the TS API, shared by the API specs.
import { script, type ScriptBuilder } from "../../../harness/api";

/** `shutdown` keeps fd 4 open, so the trace records its FIN_WAIT1/FIN_WAIT2/CLOSE states too. */
export function passiveOpenThenClose(name: string, finAck = 1, how: "close" | "shutdown" = "close"): ScriptBuilder {
  return script(name)
    .call("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3")
    .call("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0")
    .call("bind(3, ..., ...) = 0")
    .call("listen(3, 1) = 0")
    .inject("S 0:0(0) win 65535 <mss 1460>")
    .expect("S. 0:0(0) ack 1 <mss 1460>")
    .after(0.1)
    .inject(". 1:1(0) ack 1 win 65535")
    .call("accept(3, ..., ...) = 4")
    .call(how === "close" ? "close(4) = 0" : "shutdown(4, SHUT_WR) = 0")
    .expect(`F. 1:1(0) ack ${finAck}`)
    .after(0.01)
    .inject(". 1:1(0) ack 2 win 65535")
    .after(0.01)
    .inject("F. 1:1(0) ack 2 win 65535")
    .expect(". 2:2(0) ack 2");
}
