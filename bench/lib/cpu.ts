import { readFileSync } from 'node:fs';

/**
 * The machine's busy CPU time so far, in ns, summed over CPUs (/proc/stat:
 * everything but idle and iowait). A measurement's cost is the difference
 * over its window: generator, datapath and receiver together, so two
 * datapaths measured with the same generator and receiver differ by what
 * their datapaths cost. Resolution: one clock tick (10 ms) per CPU.
 */
export function busyCpuNs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [, user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  void idle;
  void iowait;
  const ticks = user! + nice! + system! + irq! + softirq! + steal!;
  return (ticks * 1e9) / 100; // USER_HZ is 100 on Linux
}

/** fn's result and the busy CPU time while it ran, in ns. */
export async function withCpu<T>(fn: () => Promise<T>): Promise<{ result: T; cpuNs: number }> {
  const before = busyCpuNs();
  const result = await fn();
  return { result, cpuNs: busyCpuNs() - before };
}

/** Busy CPU per KB carried by a TCP run of `gbps` for `seconds`. */
export function cpuNsPerKb(cpuNs: number, gbps: number, seconds: number): number {
  return cpuNs / ((gbps * 1e9 * seconds) / 8 / 1024);
}
