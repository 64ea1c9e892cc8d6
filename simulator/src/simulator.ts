import type { Logger } from "pino";
import { classifierSettings, DEFAULT_SETTINGS, PING_GAP_MS } from "../../firmware/src/core/index.js";
import { Pace } from "./clock.js";
import { DeliveryFaults, type FaultCounts, type FaultRates, NO_FAULTS } from "./faults.js";
import type { FirmwareFleet } from "./firmwareFleet.js";
import type { ZoneLayout } from "./layout.js";
import { MqttFleet, type NodeLink } from "./mqttFleet.js";
import { airTemperatureC, type SensorNoise, SpotSensor } from "./physics.js";
import type { DemandProfile } from "./profiles.js";
import { deriveSeed, Random } from "./random.js";
import { Scheduler } from "./scheduler.js";
import { type NodeUplink, SensorNode } from "./sensorNode.js";
import type { SerialSink } from "./serialSink.js";
import { TrafficModel } from "./traffic.js";
import type { TruthWriter } from "./truth.js";

export type Transport =
  | { kind: "mqtt"; url: string /** 0: one connection per node. */; connections: number }
  | { kind: "serial"; sink: SerialSink };

export interface SimulatorOptions {
  zones: ZoneLayout[];
  topicRoot: string;
  transport: Transport;
  /** Simulated seconds per real second. */
  speed: number;
  seed: number;
  /** Simulated clock at the start, epoch ms. */
  startMs: number;
  /** Simulated ms to run; absent: until stopped. */
  durationMs?: number;
  profile: DemandProfile;
  faults: FaultRates;
  /** Spots (the first ones, in layout order) that run the real firmware bundle. */
  firmware: number;
  /** Makes the firmware-in-the-loop nodes; absent when `firmware` is 0. */
  firmwareFleet?: () => FirmwareFleet;
  noise?: SensorNoise;
  truth?: TruthWriter;
  logger: Logger;
  clientPrefix?: string;
  /** How long to wait for every node's connection before the clock starts. */
  connectTimeoutMs?: number;
  /** Told of connection progress while the fleet connects. */
  onConnecting?: (connected: number, total: number) => void;
}

export interface SimStatus {
  /** Simulated clock, epoch ms. */
  simNow: number;
  speed: number;
  /** Simulated ms the clock trails the requested speed. */
  lagMs: number;
  spots: number;
  /** Spots with a vehicle in them (the truth). */
  occupied: number;
  /** Spots the synthetic nodes currently report occupied. */
  reportedOccupied: number;
  reportsSent: number;
  /** Reports sent per real second since the previous status. */
  reportsPerSecond: number;
  connected: number;
  nodes: number;
  /** Reconnection attempts after a lost connection. */
  reconnects: number;
  arrivals: number;
  departures: number;
  turnedAway: number;
  faults: FaultCounts;
  firmwareNodes: number;
  /** Firmware nodes that printed an uncaught error. */
  firmwareCrashed: number;
  serialDropped: number;
}

export interface RunningSimulator {
  readonly nodes: number;
  status(): SimStatus;
  /** Resolves when the simulated duration has run (never, without one). */
  readonly finished: Promise<void>;
  /** Stops the clock, lets every node leave cleanly, closes the transport and the truth file. */
  stop(): Promise<void>;
}

/** Longest real sleep between loop turns, so the status and a stop stay responsive. */
const MAX_SLEEP_MS = 100;
/** Real ms of work per loop turn before yielding to I/O. */
const SLICE_MS = 40;

/**
 * The virtual lot: a traffic model moves cars in and out on the simulated clock; each spot's
 * sensor physics feeds a node that decides with the firmware's own code (or the real firmware
 * bundle in a sandbox); nodes report over MQTT or serial; faults are injected on demand; the
 * truth goes to a file. Everything on the simulated clock runs in one discrete-event queue, so
 * the same seed and start give the same reports.
 */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const { zones, transport, speed, startMs, logger } = options;
  const trafficRandom = new Random(deriveSeed(options.seed, "traffic"));
  const sensorRandom = new Random(deriveSeed(options.seed, "sensors"));
  const faultRandom = new Random(deriveSeed(options.seed, "faults"));
  const firmwareRandom = new Random(deriveSeed(options.seed, "firmware"));

  const traffic = new TrafficModel(
    { zones: zones.map((z) => ({ zone: z.zone, spots: z.spots.length })) },
    { profile: options.profile },
    trafficRandom,
    startMs,
  );
  const spots: Array<{ zone: string; spot: string }> = [];
  for (const zone of zones) for (const spot of zone.spots) spots.push({ zone: zone.zone, spot });
  const firmwareCount = Math.min(options.firmware, spots.length);
  const sensors = spots.map(
    (_, i) => new SpotSensor(i < firmwareCount ? firmwareRandom : sensorRandom, options.noise),
  );
  for (const [i, sensor] of sensors.entries()) sensor.park(traffic.vehicleAt(i));

  const counts: FaultCounts = { ...NO_FAULTS };
  const delivery = new DeliveryFaults(options.faults, faultRandom, counts);
  let reportsSent = 0;
  const scheduler = new Scheduler(startMs);
  const behaviour = {
    topicRoot: options.topicRoot,
    classifier: classifierSettings(DEFAULT_SETTINGS),
    pings: DEFAULT_SETTINGS.pings,
    // The firmware's 30 s, but never longer than 30 real seconds, or a slow run would look offline.
    heartbeatMs: DEFAULT_SETTINGS.heartbeatS * 1000 * Math.min(1, speed),
  };
  /** The firmware waits interval_s after each cycle's K pings, 60 ms apart. */
  const cycleMs = DEFAULT_SETTINGS.intervalS * 1000 + DEFAULT_SETTINGS.pings * PING_GAP_MS;

  const fleet =
    transport.kind === "mqtt"
      ? new MqttFleet({
          url: transport.url,
          topicRoot: options.topicRoot,
          clientPrefix: options.clientPrefix ?? `parking-sim-${process.pid}`,
          connections: transport.connections,
        })
      : undefined;
  const nodes: SensorNode[] = [];
  const links: Array<NodeLink | undefined> = [];
  for (let i = firmwareCount; i < spots.length; i++) {
    const { zone, spot } = spots[i] as { zone: string; spot: string };
    const rssi = -45 - sensorRandom.int(40);
    let node: SensorNode | undefined;
    let uplink: NodeUplink;
    let link: NodeLink | undefined;
    if (fleet !== undefined) {
      const l = fleet.add(zone, spot, () => node?.onConnect());
      link = l;
      uplink = {
        connected: () => l.connected(),
        publish: (topic, payload) => {
          reportsSent += 1;
          l.publish(topic, payload);
        },
        // A node without its broker prints to a USB console nobody reads here: the report is lost.
        print: () => {},
        rssi: () => rssi,
      };
    } else {
      const sink = (transport as { sink: SerialSink }).sink;
      uplink = {
        connected: () => false,
        publish: () => {},
        print: (line) => {
          reportsSent += 1;
          sink.write(line);
        },
        rssi: () => undefined,
      };
    }
    node = new SensorNode(
      zone,
      spot,
      sensors[i] as SpotSensor,
      delivery.wrap(uplink),
      () => scheduler.now,
      behaviour,
    );
    nodes.push(node);
    links.push(link);
  }

  const truth = options.truth;
  if (fleet !== undefined) {
    const total = fleet.nodeCount;
    const connected = await fleet.connectAll(
      options.connectTimeoutMs ?? 30_000 + total * 5,
      options.onConnecting,
    );
    if (connected < total) {
      logger.warn(
        `${total - connected} of ${total} nodes could not connect yet; they keep retrying with backoff and print their reports meanwhile`,
      );
    }
  }

  // The clock starts now: every node boots, its first cycle at a random point of its period.
  const pace = new Pace(startMs, speed);
  // `real` pairs the simulated start with the wall clock, so gateway times can be mapped back.
  truth?.write({
    type: "start",
    t: startMs,
    real: pace.realStart,
    speed,
    seed: options.seed,
    profile: options.profile.name,
    cycle_ms: cycleMs,
    heartbeat_ms: behaviour.heartbeatMs,
    firmware_spots: spots.slice(0, firmwareCount),
    zones: zones.map((z) => ({ zone: z.zone, spots: z.spots })),
  });
  for (const [i, s] of spots.entries()) {
    const vehicle = traffic.vehicleAt(i);
    if (vehicle !== null) truth?.write({ type: "arrival", t: startMs, ...s, vehicle, initial: true });
  }

  for (const node of nodes) {
    node.boot();
    const cycle = (at: number): void => {
      node.cycle(airTemperatureC(at));
      scheduler.schedule(at + cycleMs, cycle);
    };
    scheduler.schedule(startMs + sensorRandom.next() * cycleMs, cycle);
  }
  const applyTraffic = (at: number): void => {
    const before = traffic.turnedAway;
    for (const event of traffic.advance(at)) {
      const s = spots[event.spot];
      const sensor = sensors[event.spot];
      if (s === undefined || sensor === undefined) continue;
      if (event.kind === "arrival") {
        sensor.park(event.vehicle);
        truth?.write({ type: "arrival", t: event.at, ...s, vehicle: event.vehicle });
      } else {
        sensor.park(null);
        truth?.write({ type: "departure", t: event.at, ...s });
      }
    }
    if (traffic.turnedAway > before)
      truth?.write({ type: "turned_away", t: at, count: traffic.turnedAway - before });
    const next = traffic.nextEventAt();
    if (next < Number.POSITIVE_INFINITY) scheduler.schedule(Math.max(next, at + 1), applyTraffic);
  };
  if (traffic.nextEventAt() < Number.POSITIVE_INFINITY)
    scheduler.schedule(traffic.nextEventAt(), applyTraffic);
  scheduleFaults();

  let fil: FirmwareFleet | undefined;
  if (firmwareCount > 0 && options.firmwareFleet !== undefined) {
    fil = options.firmwareFleet();
    fil.start(
      spots.slice(0, firmwareCount).map((s, i) => ({
        ...s,
        distanceCm: () => (sensors[i] as SpotSensor).ping(airTemperatureC(scheduler.now)),
      })),
    );
  }

  logger.info(
    {
      spots: spots.length,
      zones: zones.length,
      speed,
      seed: options.seed,
      profile: options.profile.name,
      firmware: firmwareCount,
      transport: transport.kind,
    },
    `simulating ${spots.length} spots in ${zones.length} zones at ${speed}× speed (seed ${options.seed})`,
  );

  const endAt = options.durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + options.durationMs;
  let stopped = false;
  let loopTimer: ReturnType<typeof setTimeout> | undefined;
  let resolveFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    resolveFinished = resolve;
  });
  const loop = (): void => {
    loopTimer = undefined;
    if (stopped) return;
    const until = Math.min(pace.target(), endAt);
    const deadline = performance.now() + SLICE_MS;
    let steps = 0;
    scheduler.runUntil(until, () => (++steps & 127) !== 0 || performance.now() < deadline);
    if (scheduler.now >= endAt) {
      resolveFinished();
      return;
    }
    const ahead = (Math.min(scheduler.nextAt(), endAt) - pace.target()) / speed;
    loopTimer = setTimeout(loop, Math.max(0, Math.min(MAX_SLEEP_MS, ahead)));
  };
  loop();

  let lastSample = { at: Date.now(), reports: 0 };
  return {
    nodes: spots.length,
    finished,
    status() {
      const now = Date.now();
      const rate =
        now > lastSample.at ? ((reportsSent - lastSample.reports) * 1000) / (now - lastSample.at) : 0;
      if (now - lastSample.at >= 1000) lastSample = { at: now, reports: reportsSent };
      let reportedOccupied = 0;
      for (const node of nodes) if (node.status === "occupied") reportedOccupied += 1;
      return {
        simNow: scheduler.now,
        speed,
        lagMs: pace.lagMs(scheduler.now),
        spots: spots.length,
        occupied: traffic.occupiedCount,
        reportedOccupied,
        reportsSent,
        reportsPerSecond: rate,
        connected: (fleet?.connectedCount ?? 0) + (fil?.size ?? 0),
        nodes: spots.length,
        reconnects: fleet?.reconnects ?? 0,
        arrivals: traffic.arrivals,
        departures: traffic.departures,
        turnedAway: traffic.turnedAway,
        faults: { ...counts },
        firmwareNodes: fil?.size ?? 0,
        firmwareCrashed: fil?.crashed ?? 0,
        serialDropped: transport.kind === "serial" ? transport.sink.dropped : 0,
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (loopTimer !== undefined) clearTimeout(loopTimer);
      resolveFinished();
      fil?.stop();
      await fleet?.close();
      if (transport.kind === "serial") await transport.sink.close();
      truth?.write({
        type: "end",
        t: scheduler.now,
        real: Date.now(),
        arrivals: traffic.arrivals,
        departures: traffic.departures,
        turned_away: traffic.turnedAway,
        reports_sent: reportsSent,
        faults: counts,
      });
      await truth?.close();
    },
  };

  function scheduleFaults(): void {
    const { faults } = options;
    const n = nodes.length;
    if (n === 0) return;
    const recurring = (perNodeHour: number, hit: (index: number, at: number) => void): void => {
      if (perNodeHour <= 0) return;
      const meanGap = 3_600_000 / (perNodeHour * n);
      const fire = (at: number): void => {
        hit(faultRandom.int(n), at);
        scheduler.schedule(at + faultRandom.exponential(meanGap), fire);
      };
      scheduler.schedule(startMs + faultRandom.exponential(meanGap), fire);
    };
    const where = (node: SensorNode): { zone: string; spot: string } => ({
      zone: node.zone,
      spot: node.spot,
    });
    recurring(faults.dropout, (i, at) => {
      const node = nodes[i];
      if (node === undefined || !node.powered) return;
      const until = at + faultRandom.logNormal(10 * 60_000, 0.8);
      counts.dropout += 1;
      node.powered = false;
      links[i]?.cut(true);
      truth?.write({ type: "fault", t: at, fault: "dropout", ...where(node), until });
      scheduler.schedule(until, () => {
        node.boot();
        links[i]?.revive();
      });
    });
    if (transport.kind === "mqtt") {
      recurring(faults.disconnect, (i, at) => {
        const node = nodes[i];
        if (node === undefined || !node.powered) return;
        counts.disconnect += 1;
        links[i]?.cut(false);
        truth?.write({ type: "fault", t: at, fault: "disconnect", ...where(node) });
      });
    }
    recurring(faults.stuck, (i, at) => {
      const node = nodes[i];
      if (node === undefined || node.sensor.stuckAtCm !== null) return;
      const until = at + faultRandom.logNormal(2 * 3_600_000, 0.8);
      counts.stuck += 1;
      node.sensor.stuckAtCm = node.sensor.ping(airTemperatureC(at)) ?? node.sensor.trueDistanceCm();
      truth?.write({
        type: "fault",
        t: at,
        fault: "stuck",
        ...where(node),
        until,
        cm: node.sensor.stuckAtCm,
      });
      scheduler.schedule(until, () => {
        node.sensor.stuckAtCm = null;
      });
    });
    if (faults.skew > 0) {
      for (const node of nodes) {
        if (faultRandom.next() >= faults.skew) continue;
        counts.skew += 1;
        const sign = faultRandom.next() < 0.5 ? -1 : 1;
        node.clockSkewMs = sign * (60_000 + faultRandom.next() * 29 * 60_000);
        truth?.write({ type: "fault", t: startMs, fault: "skew", ...where(node), skew_ms: node.clockSkewMs });
      }
    }
  }
}
