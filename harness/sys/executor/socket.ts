/** Socket lifecycle: socket, socketpair, bind, listen, accept(4), connect, shutdown, get*name. */
import { libc } from "../libc";
import type { Args } from "./args";
import { created, type CallTimer, type Effect, type Handler } from "./handler";

const SOCK_CLOEXEC = 0o2000000;

function socket(a: Args, t: CallTimer): Effect {
  const domain = a.int(0);
  const type = a.int(1);
  const protocol = a.int(2, 0);
  const r = t.run(() => libc().socket(domain, type | SOCK_CLOEXEC, protocol));
  return created(r, [r.ret], (type & SOCK_CLOEXEC) !== 0);
}

function socketpair(a: Args, t: CallTimer): Effect {
  const domain = a.int(0);
  const type = a.int(1);
  const protocol = a.int(2, 0);
  const sv = new Int32Array(2);
  const r = t.run(() => libc().socketpair(domain, type | SOCK_CLOEXEC, protocol, sv));
  if (r.ret !== 0) return r;
  return { ...created(r, [sv[0]!, sv[1]!], (type & SOCK_CLOEXEC) !== 0), out: { 3: [sv[0]!, sv[1]!] } };
}

function bind(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const { addr, len } = a.sockaddrIn(1, 2);
  return t.run(() => libc().bind(fd, addr, len));
}

function connect(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const { addr, len } = a.sockaddrIn(1, 2);
  return t.run(() => libc().connect(fd, addr, len));
}

function listen(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const backlog = a.int(1);
  return t.run(() => libc().listen(fd, backlog));
}

function accept(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const space = a.sockaddrOut(1, 2);
  // accept() is accept4() with flags 0; SOCK_CLOEXEC is added underneath (cloexec.ts).
  const flags = a.int(3, 0);
  const r = t.run(() => libc().accept4(fd, space.buffer, space.lenWord, flags | SOCK_CLOEXEC));
  if (r.ret < 0) return r;
  const { addr, len } = space.result();
  return { ...created(r, [r.ret], (flags & SOCK_CLOEXEC) !== 0), out: { 1: addr, 2: len } };
}

function shutdown(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const how = a.int(1);
  return t.run(() => libc().shutdown(fd, how));
}

function nameOf(which: "getsockname" | "getpeername"): Handler {
  return (a, t) => {
    const fd = a.int(0);
    const space = a.sockaddrOut(1, 2);
    const r = t.run(() => libc()[which](fd, space.buffer, space.lenWord));
    if (r.ret < 0) return r;
    const { addr, len } = space.result();
    return { ...r, out: { 1: addr, 2: len } };
  };
}

export const SOCKET_HANDLERS: Readonly<Record<string, Handler>> = {
  socket,
  socketpair,
  bind,
  connect,
  listen,
  accept,
  accept4: accept,
  shutdown,
  getsockname: nameOf("getsockname"),
  getpeername: nameOf("getpeername"),
};
