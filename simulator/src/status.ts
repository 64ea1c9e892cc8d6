import type { SimStatus } from "./simulator.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * The one-line live status: simulated clock, occupancy, reports per second, nodes online,
 * cars turned away, faults injected, and the lag when the machine cannot keep up.
 */
export function formatStatus(s: SimStatus): string {
  const d = new Date(s.simNow);
  const clock = `${DAYS[d.getDay()]} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const rate = s.spots > 0 ? Math.round((100 * s.occupied) / s.spots) : 0;
  const parts = [
    `sim ${clock} ×${s.speed}`,
    `occupied ${s.occupied}/${s.spots} (${rate} %)`,
    `${s.reportsPerSecond.toFixed(1)} reports/s`,
    `${s.connected}/${s.nodes} online${s.reconnects > 0 ? ` (${s.reconnects} reconnects)` : ""}`,
    `${s.turnedAway} turned away`,
  ];
  const faults = Object.entries(s.faults)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${n} ${name}`);
  if (faults.length > 0) parts.push(`faults: ${faults.join(", ")}`);
  if (s.firmwareNodes > 0)
    parts.push(
      `${s.firmwareNodes} on firmware${s.firmwareCrashed > 0 ? `, ${s.firmwareCrashed} crashed` : ""}`,
    );
  if (s.serialDropped > 0) parts.push(`${s.serialDropped} serial lines dropped`);
  if (s.lagMs >= 1000)
    parts.push(`behind by ${Math.round(s.lagMs / 1000)} s (machine too slow for ×${s.speed})`);
  return parts.join(" · ");
}
