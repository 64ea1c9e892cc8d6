import { availabilityTopic, configTopic } from "../../protocol/src/topics.js";
import type { ReportReason } from "../../protocol/src/types.js";
import {
  type Classification,
  calibrationThreshold,
  classifierSettings,
  classify,
  DEFAULT_ECHO_LIMITS,
  initialClassifier,
  type NodeSettings,
  PING_GAP_MS,
  summarizePings,
} from "./core/index.js";
import { deepSleep, globals, net, pin } from "./device/espruino.js";
import { measure, type Ranger } from "./device/ranger.js";
import { isObject, loadSettings, mergeSettings, saveSettings } from "./device/settingsStore.js";
import { joinWifi } from "./device/wifi.js";
import { MqttClient } from "./mqtt/index.js";
import { createReporter, type SpotState } from "./reporter.js";

/** About 10 s of pings over the empty spot: 150 × (60 ms + the echo). */
const CALIBRATION_PINGS = 150;
/** Battery mode: how long a wake may wait for the broker, then for its acknowledgement. */
const WAKE_BUDGET_MS = 15000;

const log = (line: string): void => console.log(line);

/**
 * The node: settings, then Wi-Fi, MQTT and the measuring loop. Each cycle's K pings go through
 * the filter and the classifier; the reporter sends a report on a change, as a heartbeat, and
 * once at boot. In battery mode one cycle is measured and reported per wake, then the chip
 * sleeps for interval_s (it reboots on waking, and `.bootcde` starts the node again).
 */
export function startNode(): void {
  let s: NodeSettings = loadSettings(log);
  const ranger: Ranger = { trigger: pin(s.pins.trigger), echo: pin(s.pins.echo) };
  const started = Date.now();
  let classifier = classifierSettings(s);
  let state = initialClassifier();
  let last: SpotState | undefined;
  let calibrating = false;
  let newThreshold: number | undefined;
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
    now: () => Date.now(),
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

  /** Validates and applies settings; the classifier's take effect at once, the rest at the next start. */
  const apply = (received: Record<string, unknown>): boolean => {
    const next = mergeSettings(s, received);
    for (const e of next.errors) log(e);
    if (next.errors.length > 0) return false;
    s = next.settings;
    classifier = classifierSettings(s);
    saveSettings(s);
    return true;
  };

  const calibrate = (): void => {
    if (calibrating) return;
    calibrating = true;
    log("Calibrating: keep the spot empty for 10 s.");
    measure(ranger, CALIBRATION_PINGS, PING_GAP_MS, (echoes) => {
      calibrating = false;
      const c = calibrationThreshold(echoes);
      if ("error" in c) log(c.error);
      else if (apply({ threshold_cm: c.thresholdCm })) {
        newThreshold = c.thresholdCm;
        log(`Calibrated: floor ${c.floorCm} cm, threshold_cm ${c.thresholdCm}, saved.`);
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
      log("Config ignored: not a JSON object.");
      return;
    }
    const wanted = received.calibrate === true;
    delete received.calibrate;
    if (JSON.stringify(mergeSettings(s, received).settings) !== JSON.stringify(s) && apply(received)) {
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

  const cycle = (): void => {
    if (calibrating) {
      if (!s.batteryMode) setTimeout(cycle, s.intervalS * 1000);
      return;
    }
    measure(ranger, s.pings, PING_GAP_MS, (echoes) => {
      const reading = summarizePings(echoes, DEFAULT_ECHO_LIMITS);
      const c: Classification = classify(state, reading, classifier);
      const boot = last === undefined;
      state = c.state;
      last = { status: c.status, confidence: c.confidence, distanceCm: reading.distanceCm };
      if (boot) send("boot");
      else if (c.changed) send("change");
      else if (reporter.since() >= s.heartbeatS * 1000) send("heartbeat");
      if (s.batteryMode) sleepWhenSent();
      else setTimeout(cycle, s.intervalS * 1000);
    });
  };

  let measuring = false;
  const begin = (): void => {
    if (measuring) return;
    measuring = true;
    cycle();
  };

  if (s.mqtt.host !== "") {
    const user = s.mqtt.username || undefined;
    const mqtt = new MqttClient((host, port, onConnected) => net().connect({ host, port }, onConnected), {
      host: s.mqtt.host,
      port: s.mqtt.port,
      clientId: `parking-${s.zone}-${s.spot}`,
      username: user,
      // MqttClient refuses a password without a user name, as MQTT 3.1.1 does.
      password: user && (s.mqtt.password || undefined),
      will: { topic: topic(availabilityTopic), payload: "offline", qos: 1, retain: true },
    });
    mqtt.subscribe(topic(configTopic));
    mqtt.onConnect = () => {
      mqtt.publish(topic(availabilityTopic), "online", { qos: 1, retain: true });
      send("heartbeat");
      if (s.batteryMode) begin();
    };
    mqtt.onDisconnect = (why) => log(`MQTT: ${why}.`);
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
