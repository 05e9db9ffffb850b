/**
 * What tcpdrill needs from libc, independent of the runtime: the `Libc` function table (its C
 * prototypes, which both FFI backends bind from) and the backend contract. libc.ts picks the
 * backend at start-up: koffi on Node, Deno.dlopen on Deno.
 *
 * Every pointer parameter is declared `void *`: callers pass a Buffer/typed array (pinned for the
 * duration of a synchronous call), a native pointer from `NativeArena` (a bigint), or null.
 * Variadic functions (open, fcntl, ioctl) are declared variadic, as the x86_64 ABI requires;
 * callers pass each variadic argument as a C type name followed by the value ("long", 5).
 */
/** A pointer argument: pinned JS memory, a native address, or NULL. */
export type Ptr = Uint8Array | Int32Array | Uint32Array | BigInt64Array | bigint | null;

export interface Libc {
  open(path: string, flags: number, ...variadic: unknown[]): number;
  close(fd: number): number;
  read(fd: number, buf: Ptr, count: number): number;
  write(fd: number, buf: Ptr, count: number): number;
  readv(fd: number, iov: Ptr, iovcnt: number): number;
  writev(fd: number, iov: Ptr, iovcnt: number): number;
  ioctl(fd: number, request: number, ...variadic: unknown[]): number;
  socket(domain: number, type: number, protocol: number): number;
  socketpair(domain: number, type: number, protocol: number, sv: Ptr): number;
  bind(fd: number, addr: Ptr, addrlen: number): number;
  connect(fd: number, addr: Ptr, addrlen: number): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number, addr: Ptr, addrlen: Ptr): number;
  accept4(fd: number, addr: Ptr, addrlen: Ptr, flags: number): number;
  send(fd: number, buf: Ptr, len: number, flags: number): number;
  sendto(fd: number, buf: Ptr, len: number, flags: number, addr: Ptr, addrlen: number): number;
  sendmsg(fd: number, msg: Ptr, flags: number): number;
  recv(fd: number, buf: Ptr, len: number, flags: number): number;
  recvfrom(fd: number, buf: Ptr, len: number, flags: number, addr: Ptr, addrlen: Ptr): number;
  recvmsg(fd: number, msg: Ptr, flags: number): number;
  shutdown(fd: number, how: number): number;
  setsockopt(fd: number, level: number, name: number, val: Ptr, len: number): number;
  getsockopt(fd: number, level: number, name: number, val: Ptr, len: Ptr): number;
  getsockname(fd: number, addr: Ptr, addrlen: Ptr): number;
  getpeername(fd: number, addr: Ptr, addrlen: Ptr): number;
  fcntl(fd: number, cmd: number, ...variadic: unknown[]): number;
  poll(fds: Ptr, nfds: number, timeout: number): number;
  epoll_create(size: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, event: Ptr): number;
  epoll_wait(epfd: number, events: Ptr, maxevents: number, timeout: number): number;
  pipe(fds: Ptr): number;
  pipe2(fds: Ptr, flags: number): number;
  splice(fdIn: number, offIn: Ptr, fdOut: number, offOut: Ptr, len: number, flags: number): number;
  sendfile(outFd: number, inFd: number, offset: Ptr, count: number): number;
  dup(fd: number): number;
  unshare(flags: number): number;
  setns(fd: number, nstype: number): number;
  clock_gettime(clock: number, ts: Ptr): number;
  getpid(): number;
  gettid(): number;
  tgkill(tgid: number, tid: number, sig: number): number;
  kill(pid: number, sig: number): number;
  setpriority(which: number, who: number, prio: number): number;
  sched_setscheduler(pid: number, policy: number, param: Int32Array): number;
  sched_yield(): number;
  getpriority(which: number, who: number): number;
  sigaction(sig: number, act: Ptr, oldact: Ptr): number;
  dlsym(handle: bigint, name: string): bigint | number;
  strerror(errno: number): string;
  if_nametoindex(name: string): number;
}

export const PROTOTYPES: Readonly<Record<keyof Libc, string>> = {
  open: "int open(const char *path, int flags, ...)",
  close: "int close(int fd)",
  read: "long read(int fd, void *buf, size_t count)",
  write: "long write(int fd, void *buf, size_t count)",
  readv: "long readv(int fd, void *iov, int iovcnt)",
  writev: "long writev(int fd, void *iov, int iovcnt)",
  ioctl: "int ioctl(int fd, unsigned long request, ...)",
  socket: "int socket(int domain, int type, int protocol)",
  socketpair: "int socketpair(int domain, int type, int protocol, void *sv)",
  bind: "int bind(int fd, void *addr, uint32_t addrlen)",
  connect: "int connect(int fd, void *addr, uint32_t addrlen)",
  listen: "int listen(int fd, int backlog)",
  accept: "int accept(int fd, void *addr, void *addrlen)",
  accept4: "int accept4(int fd, void *addr, void *addrlen, int flags)",
  send: "long send(int fd, void *buf, size_t len, int flags)",
  sendto: "long sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)",
  sendmsg: "long sendmsg(int fd, void *msg, int flags)",
  recv: "long recv(int fd, void *buf, size_t len, int flags)",
  recvfrom: "long recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *addrlen)",
  recvmsg: "long recvmsg(int fd, void *msg, int flags)",
  shutdown: "int shutdown(int fd, int how)",
  setsockopt: "int setsockopt(int fd, int level, int name, void *val, uint32_t len)",
  getsockopt: "int getsockopt(int fd, int level, int name, void *val, void *len)",
  getsockname: "int getsockname(int fd, void *addr, void *addrlen)",
  getpeername: "int getpeername(int fd, void *addr, void *addrlen)",
  fcntl: "int fcntl(int fd, int cmd, ...)",
  poll: "int poll(void *fds, unsigned long nfds, int timeout)",
  epoll_create: "int epoll_create(int size)",
  epoll_create1: "int epoll_create1(int flags)",
  epoll_ctl: "int epoll_ctl(int epfd, int op, int fd, void *event)",
  epoll_wait: "int epoll_wait(int epfd, void *events, int maxevents, int timeout)",
  pipe: "int pipe(void *fds)",
  pipe2: "int pipe2(void *fds, int flags)",
  splice: "long splice(int fd_in, void *off_in, int fd_out, void *off_out, size_t len, unsigned int flags)",
  sendfile: "long sendfile(int out_fd, int in_fd, void *offset, size_t count)",
  dup: "int dup(int fd)",
  unshare: "int unshare(int flags)",
  setns: "int setns(int fd, int nstype)",
  clock_gettime: "int clock_gettime(int clock, void *ts)",
  getpid: "int getpid()",
  gettid: "int gettid()",
  tgkill: "int tgkill(int tgid, int tid, int sig)",
  kill: "int kill(int pid, int sig)",
  setpriority: "int setpriority(int which, int who, int prio)",
  sched_setscheduler: "int sched_setscheduler(int pid, int policy, void *param)",
  sched_yield: "int sched_yield()",
  getpriority: "int getpriority(int which, int who)",
  sigaction: "int sigaction(int sig, void *act, void *oldact)",
  dlsym: "uintptr_t dlsym(uintptr_t handle, const char *name)",
  strerror: "const char *strerror(int errnum)",
  if_nametoindex: "unsigned int if_nametoindex(const char *name)",
};

/** A readiness watch on a descriptor (the capture socket, tun0). */
export interface FdWatch {
  /** Lets the process exit while the watch is active. */
  unref(): void;
  close(): void;
}

/** One FFI implementation of the calls above (libc-koffi.ts, libc-deno.ts). */
export interface FfiBackend {
  readonly name: "koffi" | "deno";
  /** The libc bindings of the calling thread (bound once per thread: modules are per isolate). */
  libc(): Libc;
  /** The calling thread's errno. */
  errno(): number;
  setErrno(value: number): void;
  /** close() on a background thread of the host namespace (see libc.ts closeInBackground). */
  closeInBackground(fd: number): Promise<number>;
  /** A native block of `length` bytes (contents undefined) and an ArrayBuffer over it. */
  alloc(length: number): { ptr: bigint; buffer: ArrayBuffer };
  free(ptr: bigint): void;
  /** Calls `onReadable` (on this thread's event loop) whenever `fd` may be readable. */
  watchReadable(fd: number, onReadable: () => void): FdWatch;
}
