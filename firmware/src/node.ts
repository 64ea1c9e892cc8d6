import { availabilityTopic, configTopic } from "../../protocol/src/topics.js";
import type { ReportReason } from "../../protocol/src/types.js";
import {
  type Classification,
  calibrationThreshold,
  classifierSettings,
  classify,
  DEFAULT_ECHO_LIMITS,
  hasIdentity,
  initialClassifier,
  type NodeSettings,
  PING_GAP_MS,
  summarizePings,
} from "./core/index.js";
import { deepSleep, globals, net, pin } from "./device/espruino.js";
import { measure, ranger } from "./device/ranger.js";
import { isObject, loadSettings, mergeSettings, saveSettings } from "./device/settingsStore.js";
import { joinWifi } from "./device/wifi.js";
import { describeError } from "./errors.js";
import { MqttClient } from "./mqtt/index.js";
import { createReporter, type SpotState } from "./reporter.js";

/** About 10 s of pings over the empty spot: 150 × (60 ms + the echo). */
const CALIBRATION_PINGS = 150;
/** Battery mode: how long a wake may wait for the broker, then for its acknowledgement. */
const WAKE_BUDGET_MS = 15000;
/**
 * First MQTT retry after a failed attempt. On the ESP32 `net.connect` and its DNS lookup block
 * the interpreter, for seconds when the broker is away (docs/espruino.md, "Network"): retrying
 * sooner would leave the node blocked most of the time, deaf to its console and late to measure.
 */
const MQTT_FIRST_RETRY_S = 5;
/** How often a node without zone or spot says so again, for whoever opens its console later. */
const NO_IDENTITY_REPEAT_MS = 60000;

const log = (line: string): void => console.log(line);

/**
 * The node: settings, then Wi-Fi, MQTT and the measuring loop. Each cycle's K pings go through
 * the filter and the classifier; the reporter sends a report on a change, as a heartbeat, and
 * once at boot. In battery mode one cycle is measured and reported per wake, then the chip
 * sleeps for interval_s (it reboots on waking, and `.bootcde` starts the node again).
 */
export function startNode(): void {
  let s: NodeSettings = loadSettings(log);
  if (!hasIdentity(s)) {
    // Reporting as a made-up spot would overwrite somebody else's: wait for a real one.
    const say = (): void =>
      log(
        "parking.json has no zone or spot: this node reports nothing until both are set (parking flash --zone Z --spot S, or a config message).",
      );
    say();
    setInterval(say, NO_IDENTITY_REPEAT_MS);
    return;
  }
  const r = ranger(pin(s.pins.trigger), pin(s.pins.echo));
  const started = Date.now();
  let classifier = classifierSettings(s);
  let state = initialClassifier();
  let last: SpotState | undefined;
  let calibrating = false;
  let newThreshold: number | undefined;
  let faulty = false;
  let client: MqttClient | undefined;
  const topic = (make: (root: string, zone: string, spot: string) => string): string =>
    make(s.topicRoot, s.zone, s.spot);

  const network = joinWifi(s.wifi.ssid, s.wifi.password, log, () => {
    if (client !== undefined) client.start();
  });
  const reporter = createReporter({
    zone: s.zone,
    spot: s.spot,
    topicRoot: s.topicRoot,
    connected: () => (client === undefined ? false : client.isConnected()),
    publish: (t, payload) => {
      if (client !== undefined) client.publish(t, payload, { qos: 1, retain: true });
    },
    print: log,
    note: log,
    now: () => Math.floor(Date.now()),
    uptimeS: () => (Date.now() - started) / 1000,
    rssi: () => network.rssi(),
    counting: !s.batteryMode,
  });

  const send = (reason: ReportReason): void => {
    if (last === undefined) return;
    const extra = newThreshold === undefined ? undefined : { threshold_cm: newThreshold };
    newThreshold = undefined;
    reporter.report(last, reason, extra);
  };

  /** A pulse that threw: said once when it starts and once when it stops, not every cycle. */
  const noteFaults = (faults: number, fault: unknown): void => {
    if (faults > 0 && !faulty)
      log(`Ranger: the trigger pulse failed (${describeError(fault)}); measuring goes on.`);
    else if (faults === 0 && faulty) log("Ranger: trigger pulses work again.");
    faulty = faults > 0;
  };

  /**
   * Validates `received` over the current settings; saves and applies them, or changes nothing
   * and says why in one line. The classifier's settings take effect at once, the rest at the
   * next start. Answers whether anything changed, or undefined when refused.
   */
  const apply = (received: Record<string, unknown>, what: string): boolean | undefined => {
    const next = mergeSettings(s, received);
    if (next.errors.length > 0) {
      log(`${what} refused, nothing changed: ${next.errors.join(" ")}`);
      return undefined;
    }
    if (JSON.stringify(next.settings) === JSON.stringify(s)) return false;
    s = next.settings;
    classifier = classifierSettings(s);
    saveSettings(s);
    return true;
  };

  const calibrate = (): void => {
    if (calibrating) return;
    calibrating = true;
    log("Calibrating: keep the spot empty for 10 s.");
    measure(r, CALIBRATION_PINGS, PING_GAP_MS, (echoes, faults, fault) => {
      calibrating = false;
      noteFaults(faults, fault);
      const c = calibrationThreshold(echoes);
      if ("error" in c) log(c.error);
      else {
        // Valid by construction (the floor is 1-4 m, so floor − 45 cm lies within 10-390), and
        // setting it directly spares the merge and validation at the path's memory peak.
        s.thresholdCm = c.thresholdCm;
        classifier = classifierSettings(s);
        saveSettings(s);
        newThreshold = c.thresholdCm;
        log(`Calibrated: floor ${c.floorCm} cm, threshold_cm ${c.thresholdCm}, saved.`);
        // Now, not at the next change or heartbeat: whoever asked is watching for it.
        send("heartbeat");
      }
    });
  };
  globals().calibrate = calibrate;

  const onConfig = (payload: string): void => {
    let received: unknown;
    try {
      received = JSON.parse(payload);
    } catch {
      received = undefined;
    }
    if (!isObject(received)) {
      log("Config refused, nothing changed: not a JSON object.");
      return;
    }
    const wanted = received.calibrate === true;
    delete received.calibrate;
    if (Object.keys(received).length > 0) {
      const changed = apply(received, "Config");
      if (changed === false) log("Config: nothing to change.");
      if (changed === true)
        log("Config applied and saved; network, id and pin changes take effect after load().");
    }
    if (wanted) {
      // The config topic is retained: without this, every reconnect would calibrate again.
      if (client !== undefined) {
        client.publish(topic(configTopic), JSON.stringify(received), { qos: 1, retain: true });
      }
      calibrate();
    }
  };

  const sleepWhenSent = (): void => {
    const until = Date.now() + WAKE_BUDGET_MS;
    const id = setInterval(() => {
      if (client === undefined || client.pending() === 0 || Date.now() > until) {
        clearInterval(id);
        // A clean DISCONNECT first: else the broker fires the will and every sleep reads as offline.
        if (client !== undefined) client.stop();
        setTimeout(() => deepSleep(s.intervalS * 1e6), 100);
      }
    }, 100);
  };

  const decide = (echoes: Float32Array): void => {
    const reading = summarizePings(echoes, DEFAULT_ECHO_LIMITS);
    const c: Classification = classify(state, reading, classifier);
    const boot = last === undefined;
    state = c.state;
    last = { status: c.status, confidence: c.confidence, distanceCm: reading.distanceCm };
    if (boot) send("boot");
    else if (c.changed) send("change");
    else if (reporter.since() >= s.heartbeatS * 1000) send("heartbeat");
  };

  const cycle = (): void => {
    if (calibrating) {
      if (!s.batteryMode) setTimeout(cycle, s.intervalS * 1000);
      return;
    }
    measure(r, s.pings, PING_GAP_MS, (echoes, faults, fault) => {
      // The next cycle is booked before this one's work: an exception below costs one report,
      // never the loop.
      if (!s.batteryMode) setTimeout(cycle, s.intervalS * 1000);
      noteFaults(faults, fault);
      try {
        decide(echoes);
      } catch (e) {
        log(`Cycle failed: ${describeError(e)}.`);
      }
      if (s.batteryMode) sleepWhenSent();
    });
  };

  let measuring = false;
  const begin = (): void => {
    if (measuring) return;
    measuring = true;
    // From the idle loop, not while `.bootcde` is still being evaluated: timers set during a
    // load count from before it, so the first ping's 25 ms timeout would be due at once.
    setTimeout(cycle, 0);
  };

  if (s.mqtt.host !== "") {
    const user = s.mqtt.username || undefined;
    const where = `${s.mqtt.host}:${s.mqtt.port}`;
    const mqtt = new MqttClient((host, port, onConnected) => net().connect({ host, port }, onConnected), {
      host: s.mqtt.host,
      port: s.mqtt.port,
      clientId: `parking-${s.zone}-${s.spot}`,
      username: user,
      // MqttClient refuses a password without a user name, as MQTT 3.1.1 does.
      password: user && (s.mqtt.password || undefined),
      will: { topic: topic(availabilityTopic), payload: "offline", qos: 1, retain: true },
      backoffInitialS: MQTT_FIRST_RETRY_S,
    });
    mqtt.subscribe(topic(configTopic));
    mqtt.onConnect = () => {
      log(`MQTT: connected to ${where}.`);
      mqtt.publish(topic(availabilityTopic), "online", { qos: 1, retain: true });
      send("heartbeat");
      if (s.batteryMode) begin();
    };
    mqtt.onDisconnect = (why) => log(`MQTT: ${why} (${where}).`);
    mqtt.onMessage = (t, payload) => {
      if (t === topic(configTopic)) onConfig(payload);
    };
    client = mqtt;
  }

  // Battery mode measures once the broker is there, so the one report of the wake is published;
  // without a broker (or after WAKE_BUDGET_MS) it measures anyway and prints.
  if (s.batteryMode && client !== undefined) setTimeout(begin, WAKE_BUDGET_MS);
  else begin();
}
