import { isReservedZone, isValidId } from "../../protocol/src/ids.js";
import { ToolError } from "./errors.js";

/** Flag values as commander hands them over: strings, or numbers for defaults. */
export interface NodeFlags {
  zone?: string;
  spot?: string;
  wifiSsid?: string;
  wifiPassword?: string;
  mqttHost?: string;
  mqttPort?: string | number;
  mqttUsername?: string;
  mqttPassword?: string;
  thresholdCm?: string | number;
}

/** `parking.json` on the node (firmware/README.md, "Settings (`parking.json`)"); absent keys take the firmware's defaults. */
export interface NodeSettings {
  [key: string]: string | number | NodeSettings;
}

export function nodeSettings(flags: NodeFlags): NodeSettings {
  const settings: NodeSettings = {
    zone: id("--zone", flags.zone, "Zone_A"),
    spot: id("--spot", flags.spot, "place_1"),
  };
  if (isReservedZone(String(settings.zone))) {
    throw new ToolError(
      `--zone "${settings.zone}" is reserved for the gateway's own topics: pick another zone name.`,
    );
  }
  if (flags.wifiSsid !== undefined) {
    settings.wifi = { ssid: flags.wifiSsid, password: flags.wifiPassword ?? "" };
  } else if (flags.wifiPassword !== undefined) {
    throw new ToolError("--wifi-password needs --wifi-ssid too: name the network the node should join.");
  }
  if (flags.mqttHost !== undefined) {
    const mqtt: NodeSettings = {
      host: flags.mqttHost,
      port: whole("--mqtt-port", flags.mqttPort ?? 1883, 1, 65_535),
    };
    if (flags.mqttUsername !== undefined) mqtt.username = flags.mqttUsername;
    if (flags.mqttPassword !== undefined) mqtt.password = flags.mqttPassword;
    settings.mqtt = mqtt;
  } else if (flags.mqttUsername !== undefined || flags.mqttPassword !== undefined) {
    throw new ToolError("--mqtt-username and --mqtt-password need --mqtt-host too: name the broker.");
  }
  if (flags.thresholdCm !== undefined) {
    const cm = Number(flags.thresholdCm);
    // The HC-SR04 measures 2 to 400 cm; a threshold outside can never be crossed.
    if (String(flags.thresholdCm).trim() === "" || !(cm >= 2 && cm <= 400)) {
      throw new ToolError(`--threshold-cm must be a distance from 2 to 400 cm, got "${flags.thresholdCm}".`);
    }
    settings.threshold_cm = cm;
  }
  return settings;
}

export function baudRate(value: string | number | undefined): number {
  return whole("--baud", value ?? 115_200, 1, 4_000_000);
}

export function requiredPort(port: string | undefined): string {
  if (port === undefined || port.trim() === "") {
    throw new ToolError(
      "--port is missing: name the node's serial device, e.g. --port /dev/ttyUSB0 (see `parking flash --list`).",
    );
  }
  return port;
}

function id(flag: string, value: string | undefined, example: string): string {
  if (value === undefined)
    throw new ToolError(`${flag} is required: the id the node reports under, e.g. ${flag} ${example}.`);
  if (!isValidId(value)) {
    throw new ToolError(`${flag} "${value}" is not a valid id: use 1 to 32 letters, digits, _ or -.`);
  }
  return value;
}

function whole(flag: string, value: string | number, min: number, max: number): number {
  const n = Number(value);
  if (String(value).trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new ToolError(`${flag} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return n;
}
