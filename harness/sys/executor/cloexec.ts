/**
 * Every descriptor the executor creates is close-on-exec, whether or not the script asked.
 *
 * Why: Node (libuv) does not close inherited descriptors in the processes it spawns, and file
 * descriptors are process-wide. Without O_CLOEXEC every command a sandbox runs — and the
 * long-lived process holder of exec.ts — would hold a duplicate of every script socket open
 * at that moment, in this sandbox and any other: the script's close() would then send no FIN,
 * and the namespace would stay alive as long as that process.
 *
 * The script must not notice: descriptors it did not ask to be close-on-exec are remembered
 * here, fcntl(F_GETFD) reports them without FD_CLOEXEC, and fcntl(F_SETFD, 0) keeps the kernel
 * flag while recording that the script "cleared" it. State is per thread, like the descriptors'
 * creation (the syscall thread).
 */

export const FD_CLOEXEC = 1;

const implicit = new Set<number>();

/** `fd` was made close-on-exec by tcpdrill, not by the script. */
export function markImplicitCloexec(fd: number): void {
  implicit.add(fd);
}

export function forgetDescriptor(fd: number): void {
  implicit.delete(fd);
}

/** The F_GETFD value the script should see. */
export function visibleFdFlags(fd: number, kernelFlags: number): number {
  return implicit.has(fd) ? kernelFlags & ~FD_CLOEXEC : kernelFlags;
}

/** The F_SETFD value to give the kernel for the script's `requested`, updating the record. */
export function kernelFdFlags(fd: number, requested: number): number {
  if ((requested & FD_CLOEXEC) !== 0) implicit.delete(fd);
  else implicit.add(fd);
  return requested | FD_CLOEXEC;
}

/** Forgets every descriptor (a recycled syscall thread starts from nothing). */
export function forgetAllDescriptors(): void {
  implicit.clear();
}
