/**
 * The Espruino built-ins the firmware uses, declared for this module only: a global `require`
 * here would clash with @types/node's in the shared tsconfig. Other firmware files reach the
 * device through the wrappers below, which also keeps them importable under Node for tests
 * (nothing here touches a global until it is called).
 *
 * Pins: settings hold names such as "D5"; `new Pin("D5")` is Espruino's documented way to turn
 * a name into a pin object (jswrap_pin.c: the constructor takes a number, a pin or a string, and
 * gives undefined for a name the board does not have).
 */
import type { Socket } from "../mqtt/index.js";

interface Pin {
  read(): boolean;
}
declare const Pin: new (name: string) => Pin;

export type { Pin };

/** What a setWatch callback gets; times are seconds, stamped in the pin interrupt. */
export interface WatchEvent {
  state: boolean;
  time: number;
  lastTime: number;
}

interface WatchOptions {
  repeat: boolean;
  edge: "rising" | "falling" | "both";
  debounce?: number;
}

/** `Wifi.getStatus()` on the ESP32 port: `rssi` only while joined (getDetails has none). */
export interface WifiStatus {
  rssi?: number;
}

export interface WifiModule {
  /** `err` is null once joined, else why not. */
  connect(ssid: string, options: { password: string }, cb: (err: unknown) => void): void;
  on(event: "connected" | "disconnected", cb: () => void): void;
  getStatus(): WifiStatus | undefined;
}

interface StorageModule {
  /** undefined when the file is missing or not JSON (with noExceptions). */
  readJSON(name: string, noExceptions: boolean): unknown;
  writeJSON(name: string, data: unknown): boolean;
}

interface NetModule {
  connect(options: { host: string; port: number }, onConnected: () => void): Socket;
}

declare function require(name: "Storage"): StorageModule;
declare function require(name: "net"): NetModule;
declare function require(name: "Wifi"): WifiModule;
declare function setWatch(cb: (e: WatchEvent) => void, pin: Pin, options: WatchOptions): number;
declare function clearWatch(id: number): void;
declare function digitalPulse(pin: Pin, value: boolean | number, timeMs: number): void;
declare function digitalWrite(pin: Pin, value: number): void;
declare const E: { on(event: "init", cb: () => void): void };
/** A global class on the ESP32 build, not a module: require("ESP32") finds no library of that name. */
declare const ESP32: { deepSleep(us: number): void };
declare const global: Record<string, unknown>;

export const pin = (name: string): Pin => new Pin(name);
export const watch = (cb: (e: WatchEvent) => void, p: Pin, options: WatchOptions): number =>
  setWatch(cb, p, options);
export const unwatch = (id: number): void => clearWatch(id);
export const pulse = (p: Pin, value: number, timeMs: number): void => digitalPulse(p, value, timeMs);
export const write = (p: Pin, value: number): void => digitalWrite(p, value);
export const storage = (): StorageModule => require("Storage");
// biome-ignore lint/style/useNodejsImportProtocol: Espruino's built-in net, not Node's
export const net = (): NetModule => require("net");
/** Throws on a build without Wi-Fi (Espruino for Linux): "Module Wifi not found". */
export const wifi = (): WifiModule => require("Wifi");
/** The ESP32 port reads `us` as a 32-bit signed int (docs/espruino.md, "ESP32 port"): clamp, never wrap. */
export const deepSleep = (us: number): void => ESP32.deepSleep(Math.min(Math.round(us), 2147483647));
export const onInit = (cb: () => void): void => E.on("init", cb);
/** Espruino's root scope, where console commands such as `calibrate()` must live. */
export const globals = (): Record<string, unknown> => global;
