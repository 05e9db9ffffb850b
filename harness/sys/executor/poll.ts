/**
 * Readiness: poll, epoll_create(1), epoll_ctl, epoll_wait.
 *
 * poll(fds, nfds, timeout): fds is a list of {fd, events}; out[0] is the list with revents.
 * epoll_ctl(epfd, op, fd, event): event is {events, fd|data|u32|u64} or null.
 * epoll_wait(epfd, events, maxevents, timeout): `events` is ignored on input; out[1] lists the
 * ready events ({events, data, fd}).
 */
import { libc } from "../libc";
import {
  EPOLL_EVENT_SIZE,
  decodeEpollEvents,
  decodePollfds,
  encodeEpollEvent,
  encodePollfds,
  isFields,
  type Fields,
} from "../structs/basic";
import type { SysValue } from "../types";
import type { Args } from "./args";
import { created, type CallTimer, type Effect, type Handler } from "./handler";

const EPOLL_CLOEXEC = 0o2000000;

function poll(a: Args, t: CallTimer): Effect {
  const list = a.raw(0);
  if (!Array.isArray(list)) return a.fail(0, "expected a list of {fd, events}");
  const entries = list as readonly SysValue[];
  entries.forEach((e) => {
    if (!isFields(e)) a.fail(0, "each pollfd is {fd, events}");
  });
  let table: Uint8Array;
  try {
    table = encodePollfds(entries as readonly Fields[]);
  } catch (e) {
    return a.fail(0, (e as Error).message);
  }
  const nfds = a.int(1, entries.length);
  const timeout = a.int(2, 0);
  const r = t.run(() => libc().poll(table, nfds, timeout));
  return r.ret >= 0 ? { ...r, out: { 0: decodePollfds(table, entries.length) } } : r;
}

/** epoll_create(size > 0) is epoll_create1(0); only the size check differs (EINVAL for ≤ 0). */
function epollCreate(a: Args, t: CallTimer): Effect {
  const size = a.int(0, 1);
  const r = t.run(() => (size <= 0 ? libc().epoll_create(size) : libc().epoll_create1(EPOLL_CLOEXEC)));
  return created(r, [r.ret], false);
}

function epollCreate1(a: Args, t: CallTimer): Effect {
  const flags = a.int(0, 0);
  const r = t.run(() => libc().epoll_create1(flags | EPOLL_CLOEXEC));
  return created(r, [r.ret], (flags & EPOLL_CLOEXEC) !== 0);
}

function epollCtl(a: Args, t: CallTimer): Effect {
  const epfd = a.int(0);
  const op = a.int(1);
  const fd = a.int(2);
  const ev = a.raw(3);
  let event: Uint8Array | null = null;
  if (ev !== null && ev !== undefined) {
    if (!isFields(ev)) return a.fail(3, "an epoll_event is {events, fd} or {events, data}");
    try {
      event = encodeEpollEvent(ev);
    } catch (e) {
      return a.fail(3, (e as Error).message);
    }
  }
  return t.run(() => libc().epoll_ctl(epfd, op, fd, event));
}

function epollWait(a: Args, t: CallTimer): Effect {
  const epfd = a.int(0);
  const maxevents = a.int(2);
  if (maxevents > 65536) return a.fail(2, "maxevents above 65536 is not supported");
  const timeout = a.int(3, 0);
  const table = new Uint8Array(EPOLL_EVENT_SIZE * Math.max(1, maxevents));
  const r = t.run(() => libc().epoll_wait(epfd, table, maxevents, timeout));
  return r.ret >= 0 ? { ...r, out: { 1: decodeEpollEvents(table, r.ret) } } : r;
}

export const POLL_HANDLERS: Readonly<Record<string, Handler>> = {
  poll,
  epoll_create: epollCreate,
  epoll_create1: epollCreate1,
  epoll_ctl: epollCtl,
  epoll_wait: epollWait,
};
