import { MQTT_REPORT_PREFIX } from "../../protocol/src/console.js";
import { encodeReport } from "../../protocol/src/encode.js";
import { reportTopic } from "../../protocol/src/topics.js";
import type { ReportReason, SpotReport, SpotStatus } from "../../protocol/src/types.js";

export const FIRMWARE_VERSION = "0.1.0";

/** 2020-01-01: an ESP32 without network time starts its clock at 1970. */
const CLOCK_SET_MS = 1577836800000;

/** What the node knows after a cycle, for the report. */
export interface SpotState {
  status: SpotStatus;
  confidence: number;
  distanceCm: number | null;
}

export interface ReporterDeps {
  zone: string;
  spot: string;
  topicRoot: string;
  /** False without a broker or while it is unreachable: the report goes to the console. */
  connected(): boolean;
  /** QoS 1, retained. */
  publish(topic: string, payload: string): void;
  /** One report as a line on the USB console: the serial fallback. */
  print(line: string): void;
  /**
   * A console line that is no report: the note of one published on MQTT, so the console shows
   * the node is up (`parking flash` waits for it, `parking monitor` formats it).
   */
  note(line: string): void;
  /** Whole epoch milliseconds (Espruino's Date.now() has a fraction). */
  now(): number;
  uptimeS(): number;
  rssi(): number | undefined;
  /** In battery mode every wake is a boot, and a counter that restarts at 0 would make the gateway drop repeats as duplicates. */
  counting: boolean;
}

/** The report for `state`; `ts` only when the clock has been set, `seq` only when counting. */
export function buildReport(
  state: SpotState,
  reason: ReportReason,
  seq: number | undefined,
  deps: ReporterDeps,
): SpotReport {
  const report: SpotReport = {
    status: state.status,
    confidence: Math.round(state.confidence * 100) / 100,
    reason,
    fw: FIRMWARE_VERSION,
    uptimeS: Math.round(deps.uptimeS()),
  };
  if (state.distanceCm !== null) report.distanceCm = Math.round(state.distanceCm * 10) / 10;
  const now = deps.now();
  if (now > CLOCK_SET_MS) report.ts = now;
  if (seq !== undefined) report.seq = seq;
  const rssi = deps.rssi();
  if (typeof rssi === "number") report.rssi = rssi;
  return report;
}

export interface Reporter {
  /** Publishes, or prints when MQTT is down; `extra` fields (e.g. a new threshold) go along once. */
  report(state: SpotState, reason: ReportReason, extra?: Record<string, number>): void;
  /** Milliseconds since the last report, so the node knows when a heartbeat is due. */
  since(): number;
}

export function createReporter(deps: ReporterDeps): Reporter {
  let seq = 0;
  let last = 0;
  return {
    report: (state, reason, extra) => {
      const report = buildReport(state, reason, deps.counting ? seq++ : undefined, deps);
      last = deps.now();
      if (deps.connected()) {
        const topic = reportTopic(deps.topicRoot, deps.zone, deps.spot);
        const payload = encodeReport(report, extra);
        deps.publish(topic, payload);
        deps.note(`${MQTT_REPORT_PREFIX}${topic} ${payload}`);
      } else {
        deps.print(encodeReport(report, Object.assign({ zone: deps.zone, spot: deps.spot }, extra)));
      }
    },
    since: () => deps.now() - last,
  };
}
