import {
  type ClassifierSettings,
  type ClassifierState,
  classify,
  DEFAULT_ECHO_LIMITS,
  initialClassifier,
  summarizePings,
} from "../../firmware/src/core/index.js";
import { createReporter, type Reporter, type SpotState } from "../../firmware/src/reporter.js";
import type { ReportReason, SpotStatus } from "../../protocol/src/types.js";
import type { SpotSensor } from "./physics.js";

/** Where a node's reports go: MQTT while connected, else its USB serial console, as on the device. */
export interface NodeUplink {
  connected(): boolean;
  /** QoS 1, retained. */
  publish(topic: string, payload: string | Buffer): void;
  print(line: string): void;
  rssi(): number | undefined;
}

export interface NodeBehaviour {
  topicRoot: string;
  classifier: ClassifierSettings;
  /** Pings per cycle (K). */
  pings: number;
  /** Simulated ms between the node's heartbeats. */
  heartbeatMs: number;
}

/**
 * A synthetic node that decides like the firmware: each cycle's pings go through the firmware's
 * own filter and classifier, and the firmware's reporter builds and sends the report (boot,
 * change, heartbeat, `seq`). Only the pins and the radio are simulated. Its clock is the
 * simulated clock, plus its skew when a fault gave it one.
 */
export class SensorNode {
  private state: ClassifierState = initialClassifier();
  private last: SpotState | undefined;
  private reporter: Reporter;
  private bootedAt = 0;
  /** False while the node is powered off (a dropout fault). */
  powered = true;
  clockSkewMs = 0;

  constructor(
    readonly zone: string,
    readonly spot: string,
    readonly sensor: SpotSensor,
    private readonly uplink: NodeUplink,
    private readonly simNow: () => number,
    private readonly behaviour: NodeBehaviour,
  ) {
    this.reporter = this.newReporter();
  }

  /** Power-on: a fresh classifier and a counter from 0, as after a real reboot. */
  boot(): void {
    this.powered = true;
    this.bootedAt = this.simNow();
    this.state = initialClassifier();
    this.last = undefined;
    this.reporter = this.newReporter();
  }

  /** What the node currently reports. */
  get status(): SpotStatus {
    return this.state.status;
  }

  /** One measurement cycle at the simulated air temperature `airC`; returns why it reported, if it did. */
  cycle(airC: number): ReportReason | null {
    if (!this.powered) return null;
    const echoes: Array<number | null> = [];
    for (let i = 0; i < this.behaviour.pings; i++) echoes.push(this.sensor.ping(airC));
    const reading = summarizePings(echoes, DEFAULT_ECHO_LIMITS);
    const c = classify(this.state, reading, this.behaviour.classifier);
    const boot = this.last === undefined;
    this.state = c.state;
    this.last = { status: c.status, confidence: c.confidence, distanceCm: reading.distanceCm };
    // The firmware's order: boot first, then a change, else a heartbeat when one is due.
    let reason: ReportReason | null = null;
    if (boot) reason = "boot";
    else if (c.changed) reason = "change";
    else if (this.reporter.since() >= this.behaviour.heartbeatMs) reason = "heartbeat";
    if (reason !== null) this.reporter.report(this.last, reason);
    return reason;
  }

  /** On (re)connecting the firmware sends its state at once, so the broker's retained copy is current. */
  onConnect(): void {
    if (this.powered && this.last !== undefined) this.reporter.report(this.last, "heartbeat");
  }

  private newReporter(): Reporter {
    const { uplink } = this;
    return createReporter({
      zone: this.zone,
      spot: this.spot,
      topicRoot: this.behaviour.topicRoot,
      connected: () => uplink.connected(),
      publish: (topic, payload) => uplink.publish(topic, payload),
      print: (line) => uplink.print(line),
      // A simulated node has no console for its notes; its reports still go to serial.
      note: () => {},
      // Whole milliseconds, as a node's clock gives; the scheduler's times are fractional.
      now: () => Math.round(this.simNow() + this.clockSkewMs),
      uptimeS: () => (this.simNow() - this.bootedAt) / 1000,
      rssi: () => uplink.rssi(),
      counting: true,
    });
  }
}
