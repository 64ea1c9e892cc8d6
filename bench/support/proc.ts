import { readFileSync } from "node:fs";

/** Peak resident set size (VmHWM) of a live process, in MiB; null once it is gone. */
export function peakRssMiB(pid: number): number | null {
  return statusKiB(pid, "VmHWM");
}

/** Resident set size now (VmRSS) of a live process, in MiB; null once it is gone. */
export function rssMiB(pid: number): number | null {
  return statusKiB(pid, "VmRSS");
}

function statusKiB(pid: number, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** User + system CPU time a live process has used so far, in seconds; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return null;
  }
}
