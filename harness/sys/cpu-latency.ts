/**
 * Keeps the CPUs out of their idle states while kernel scripts play, through the PM QoS
 * interface (/dev/cpu_dma_latency): a process holding it open with 0 written asks every CPU to
 * stay in its polling state; the kernel drops the request when the descriptor closes, also when
 * the process dies, so nothing outlives tcpdrill. cyclictest holds it the same way.
 *
 * Why: on these VMs (KVM, the haltpoll idle driver) a CPU that went idle comes back slowly. The
 * first syscall after an idle spell reached the syscall thread 0.3–0.5 ms after it was posted,
 * and its reply the runner 0.1–0.35 ms after it was sent, where back-to-back calls take 15 µs
 * each way; with the request held, 0.07–0.16 ms and 0.02–0.07 ms (measured with the sandbox's own
 * calls 12 ms apart). A script's events mostly come after such spells, and every one of those
 * delays moved its actions within the kernel's jiffies.
 *
 * TCPDRILL_CPU_LATENCY=off leaves the CPUs alone (they then idle as usual between events).
 */
import { closeSync, openSync, writeSync } from "node:fs";

let fd: number | undefined;
let holders = 0;

/** Holds the request (refcounted); false when it could not be made (no such device, no permission). */
export function holdCpuLatency(): boolean {
  if (process.env.TCPDRILL_CPU_LATENCY === "off") return false;
  if (holders === 0) {
    try {
      fd = openSync("/dev/cpu_dma_latency", "w");
      // A 32-bit binary value: the latency the CPUs may take to wake, in µs.
      writeSync(fd, new Uint8Array(new Int32Array([0]).buffer));
    } catch {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      return false;
    }
  }
  holders++;
  return true;
}

/** Releases one hold taken with holdCpuLatency(); the last one closes the request. */
export function releaseCpuLatency(): void {
  if (holders === 0 || --holders > 0 || fd === undefined) return;
  closeSync(fd);
  fd = undefined;
}

/** Whether the request is held now (for the specs). */
export function cpuLatencyHeld(): boolean {
  return fd !== undefined;
}
