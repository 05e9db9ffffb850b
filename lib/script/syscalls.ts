/**
 * The system calls packetdrill can execute (run_system_call.c's dispatch table) and how many
 * arguments each takes. packetdrill only finds an unknown name or a wrong argument count when it
 * reaches the call at run time; tcpdrill reports both before running.
 */

export interface SyscallInfo {
  /** Accepted argument counts. */
  readonly args: readonly number[];
}

export const SYSCALLS: ReadonlyMap<string, SyscallInfo> = new Map<string, SyscallInfo>([
  ["socket", { args: [3] }],
  ["bind", { args: [3] }],
  ["listen", { args: [2] }],
  ["accept", { args: [3] }],
  ["connect", { args: [3] }],
  ["read", { args: [3] }],
  ["readv", { args: [3] }],
  ["recv", { args: [4] }],
  ["recvfrom", { args: [6] }],
  ["recvmsg", { args: [3] }],
  ["write", { args: [3] }],
  ["writev", { args: [3] }],
  ["send", { args: [4] }],
  ["sendto", { args: [6] }],
  ["sendmsg", { args: [3] }],
  ["fcntl", { args: [2, 3] }],
  ["ioctl", { args: [2, 3] }],
  ["close", { args: [1] }],
  ["shutdown", { args: [2] }],
  ["getsockopt", { args: [5] }],
  ["setsockopt", { args: [5] }],
  ["poll", { args: [3] }],
  ["cap_set", { args: [3] }],
  ["open", { args: [2] }],
  ["sendfile", { args: [4] }],
  ["epoll_create", { args: [1] }],
  ["epoll_ctl", { args: [4] }],
  ["epoll_wait", { args: [4] }],
  ["pipe", { args: [1] }],
  ["splice", { args: [6] }],
  ["psp_rx_assoc", { args: [2] }],
  ["psp_tx_assoc", { args: [2] }],
]);
