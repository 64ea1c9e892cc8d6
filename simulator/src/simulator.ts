import type { Logger } from "pino";
import type { ZoneLayout } from "./layout.js";
import { MqttFleet } from "./mqttFleet.js";
import { SyntheticNode } from "./node.js";
import { Random } from "./random.js";
import { TrafficModel } from "./traffic.js";

export interface SimulatorOptions {
  mqttUrl: string;
  topicRoot: string;
  zones: ZoneLayout[];
  /** Simulated seconds per real second. */
  speed: number;
  seed: number;
  /** Real ms between a node's heartbeats (the firmware's 30 s). */
  heartbeatMs: number;
  logger: Logger;
  targetOccupancy?: number;
  /** Median dwell in simulated minutes. */
  medianDwellMin?: number;
  clientPrefix?: string;
}

export interface RunningSimulator {
  readonly nodes: number;
  readonly connected: number;
  readonly reportsSent: number;
  stop(): Promise<void>;
}

const TICK_MS = 250;

/** Drives synthetic nodes from the traffic model and publishes what they report. */
export function startSimulator(options: SimulatorOptions): RunningSimulator {
  const random = new Random(options.seed);
  const nodes: SyntheticNode[] = [];
  for (const zone of options.zones) {
    for (const spot of zone.spots) nodes.push(new SyntheticNode(zone.zone, spot, random));
  }
  const startReal = Date.now();
  const simNow = (): number => startReal + (Date.now() - startReal) * options.speed;
  const traffic = new TrafficModel(
    {
      spots: nodes.length,
      targetOccupancy: options.targetOccupancy ?? 0.6,
      medianDwellMs: (options.medianDwellMin ?? 90) * 60_000,
      dwellSigma: 0.8,
    },
    random,
    startReal,
  );
  for (const [i, node] of nodes.entries()) node.setOccupied(traffic.occupied[i] ?? false);

  const fleet = new MqttFleet({
    url: options.mqttUrl,
    topicRoot: options.topicRoot,
    clientPrefix: options.clientPrefix ?? `parking-sim-${process.pid}`,
  });
  let reportsSent = 0;
  const send = (node: SyntheticNode, reason: "change" | "heartbeat"): void => {
    fleet.publish(node.zone, node.spot, node.report(reason, Date.now()));
    reportsSent += 1;
  };
  for (const node of nodes) fleet.connect(node.zone, node.spot, () => send(node, "change"));

  const tick = setInterval(() => {
    for (const event of traffic.advance(simNow())) {
      const node = nodes[event.spot];
      if (node?.setOccupied(event.kind === "arrival")) send(node, "change");
    }
  }, TICK_MS);
  // Heartbeats are staggered so a large lot does not report in one burst.
  let heartbeatIndex = 0;
  const heartbeatEvery = Math.max(10, options.heartbeatMs / Math.max(1, nodes.length));
  const heartbeat = setInterval(() => {
    const node = nodes[heartbeatIndex % nodes.length];
    heartbeatIndex += 1;
    if (node) send(node, "heartbeat");
  }, heartbeatEvery);
  options.logger.info(
    { nodes: nodes.length, zones: options.zones.length, speed: options.speed },
    `simulating ${nodes.length} spots in ${options.zones.length} zones at ${options.speed}× speed`,
  );

  return {
    nodes: nodes.length,
    get connected() {
      return fleet.connectedCount;
    },
    get reportsSent() {
      return reportsSent;
    },
    async stop() {
      clearInterval(tick);
      clearInterval(heartbeat);
      await fleet.close();
    },
  };
}
