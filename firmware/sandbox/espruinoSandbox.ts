import { type Socket as NetSocket, connect as netConnect } from "node:net";
import { type Context, createContext, Script } from "node:vm";
import { cmToEchoUs } from "../src/core/filter.js";
import { PRELUDE, type PreludeApi } from "./prelude.js";

/** A virtual HC-SR04 wired to two pins; `distanceCm` is asked once per trigger pulse. */
export interface HcSr04Options {
  trigger: string;
  echo: string;
  /** The reflector's distance now; null = no echo at all (no watch callback). */
  distanceCm: () => number | null;
  /** Air temperature for the speed of sound; default the sandbox's `temperatureC`. */
  temperatureC?: number;
}

/** Where a `net.connect` really goes; null makes it fail like an unreachable host. */
export type NetHost = (host: string, port: number) => { host: string; port: number } | null;

export interface EspruinoSandboxOptions {
  /** Initial Storage files (binary strings), e.g. `parking.json` and `.bootcde`. */
  storage?: Record<string, string>;
  /** Receives each console line as it is completed. */
  console?: (line: string) => void;
  hcsr04?: HcSr04Options;
  /** Redirects or refuses connections; default: connect where the script asks. */
  netHost?: NetHost;
  /** Milliseconds since the epoch for `getTime()` and watch stamps; default Date.now. Timers stay real. */
  clock?: () => number;
  /** What `E.getTemperature()` returns and the HC-SR04's default air temperature; default 20. */
  temperatureC?: number;
  /** After `ESP32.deepSleep(us)`, boot `.bootcde` again once `us` has passed (the chip's wake). Default false. */
  wakeFromDeepSleep?: boolean;
  /** A virtual access point: with it `require("Wifi")` exists. Default: no Wifi module. */
  wifi?: WifiOptions;
}

export interface WifiOptions {
  /** How many join attempts fail before one succeeds. */
  failJoins?: number;
  rssi?: number;
}

type Fn = (...args: unknown[]) => unknown;

interface Timer {
  handle: ReturnType<typeof setTimeout>;
  fn: unknown;
  args: unknown;
  ms: number;
  repeat: boolean;
}

interface Watch {
  fn: unknown;
  pin: string;
  edge: "rising" | "falling" | "both";
  repeat: boolean;
  /**
   * The last edge this watch saw, of either direction: each watch keeps its own, unset until
   * its first edge (src/jsinteractive.c), so a watch set after a pulse rose times it as NaN.
   */
  lastTime: number | undefined;
}

interface PinState {
  level: 0 | 1;
  /** getTime() seconds of the last change. */
  changedAt: number;
  mode: string;
}

const PIN_NAME = /^D([0-9]|[1-3][0-9])$/;
const STORAGE_BYTES = 256 * 1024;

/** The delay before the trigger's burst leaves the HC-SR04 and the echo line rises. */
const ECHO_START_S = 0.0005;

function isErrorLike(value: unknown): value is { name?: unknown; message?: unknown } {
  return typeof value === "object" && value !== null;
}

/** "Uncaught Error: message", the way Espruino reports an exception nobody caught. */
function describeUncaught(error: unknown): string {
  if (isErrorLike(error)) {
    const name = typeof error.name === "string" ? error.name : "Error";
    return `Uncaught ${name}: ${String(error.message)}`;
  }
  return `Uncaught ${String(error)}`;
}

/**
 * Runs an Espruino script (the firmware bundle, or a test fixture) in a `node:vm` context that
 * holds only Espruino's globals, with virtual pins, an in-memory Storage, `net` over
 * `node:net`, and a virtual HC-SR04. One instance is one device: its Storage survives `load()`
 * and `reset()`, which start a fresh context the way the interpreter does.
 */
export class EspruinoSandbox {
  private context: Context | undefined;
  private api: PreludeApi | undefined;
  /** Bumped whenever the running program is torn down: late events of the old one are dropped. */
  private generation = 0;
  private halted = false;
  private readonly files = new Map<string, string>();
  private readonly timers = new Map<number, Timer>();
  private readonly watches = new Map<number, Watch>();
  private readonly pins = new Map<string, PinState>();
  private readonly sockets = new Map<number, NetSocket>();
  /** The sandbox's own pending host timers (echo delivery, deferred load, wake). */
  private readonly internal = new Set<ReturnType<typeof setTimeout>>();
  private nextTimerId = 1;
  private nextWatchId = 1;
  private nextSocketId = 1;
  private readonly lines: string[] = [];
  private raw = "";
  /** The idle prompt is on screen: the next line printed erases it first. */
  private promptShown = false;
  private readonly uncaught: unknown[] = [];
  private readonly sleeps: number[] = [];
  private networkUp = true;
  private readonly clock: () => number;

  constructor(private readonly options: EspruinoSandboxOptions = {}) {
    for (const [name, data] of Object.entries(options.storage ?? {})) this.files.set(name, data);
    this.clock = options.clock ?? Date.now;
  }

  // ---- Running programs -------------------------------------------------------------------

  /**
   * Runs `source` in the current context (a fresh one the first time), like code sent to the
   * REPL. An exception the script does not catch is printed as "Uncaught ..." and rethrown.
   */
  run(source: string, fileName = "espruino.js"): unknown {
    this.halted = false;
    const context = this.context ?? this.freshContext();
    try {
      return new Script(source, { filename: fileName }).runInContext(context);
    } catch (error) {
      this.report(error);
      throw error;
    }
  }

  /** Power-on: a fresh context runs `.bootcde` from Storage, then E emits "init". */
  boot(): void {
    const code = this.files.get(".bootcde");
    if (code === undefined) throw new Error("Storage holds no .bootcde to boot from");
    this.restart();
    this.run(code, ".bootcde");
    this.fireInit();
    this.prompt();
  }

  /** Espruino's `load()`: everything running stops, Storage stays, `.bootcde` runs again. */
  load(): void {
    if (this.files.has(".bootcde")) this.boot();
    else this.restart();
  }

  /** Espruino's `reset()`: everything running stops and a fresh, empty context is left. */
  reset(): void {
    this.restart();
  }

  /** Emits E's "init" in the running context, as a boot does. */
  fireInit(): void {
    const api = this.api;
    if (api !== undefined) this.guard(() => api.emitInit());
  }

  /** Clears every timer, watch, socket and pending event: nothing of this sandbox stays scheduled. */
  stop(): void {
    this.teardown();
    this.halted = true;
  }

  // ---- Controls and observations ----------------------------------------------------------

  /** Destroys every open socket abruptly (TCP reset), like a Wi-Fi loss; the script sees "close". */
  /** Each Wi-Fi join attempt: SSID and when (ms). */
  readonly wifiJoins: Array<{ ssid: string; at: number }> = [];

  /** The access point goes away for a moment: sockets die and the module says `disconnected`. */
  dropWifi(): void {
    this.cutSocket();
    const api = this.api;
    if (api !== undefined) this.guard(() => api.wifiEvent("disconnected"));
  }

  cutSocket(): void {
    for (const socket of this.sockets.values()) {
      if (typeof socket.resetAndDestroy === "function" && socket.readyState !== "opening") {
        socket.resetAndDestroy();
      } else {
        socket.destroy();
      }
    }
  }

  /** While down, open sockets are cut and new connections fail with an error then "close". */
  setNetwork(up: boolean): void {
    this.networkUp = up;
    if (!up) this.cutSocket();
  }

  /** Every completed console line so far, as a terminal shows it. */
  consoleLines(): string[] {
    return this.lines.slice();
  }

  /**
   * The console's bytes as the USB serial line carries them: the interpreter erases its idle
   * `>` prompt before the first line a task prints (`>\r\x1B[J`) and draws it again after the
   * task (docs/espruino.md, "Console"). What `consoleLine` in protocol/src/console.ts undoes.
   */
  consoleBytes(): string {
    return this.raw;
  }

  /** Resolves with the first console line (past or future) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = (): void => {
        const line = this.lines.find((l) => pattern.test(l));
        if (line !== undefined) {
          resolve(line);
        } else if (Date.now() - started > timeoutMs) {
          reject(
            new Error(`no console line matched ${pattern} within ${timeoutMs} ms:\n${this.lines.join("\n")}`),
          );
        } else {
          setTimeout(check, 10);
        }
      };
      check();
    });
  }

  /** Exceptions nobody caught in callbacks and scripts, oldest first. */
  get errors(): unknown[] {
    return this.uncaught.slice();
  }

  /** The microseconds of each `ESP32.deepSleep(us)` call, oldest first. */
  get deepSleeps(): number[] {
    return this.sleeps.slice();
  }

  /** A Storage file's contents (binary string), or undefined. */
  storageFile(name: string): string | undefined {
    return this.files.get(name);
  }

  /** Writes a Storage file from outside, e.g. to upload a new `.bootcde`. */
  setStorageFile(name: string, data: string): void {
    this.files.set(name, data);
  }

  /** Every Storage file, name → binary string. */
  storage(): Record<string, string> {
    return Object.fromEntries(this.files);
  }

  /** The level the script last wrote to (or an input was driven on) `pin`. */
  pinLevel(pin: string): 0 | 1 {
    return this.pins.get(pin)?.level ?? 0;
  }

  /** Drives an input pin from outside; watches on it fire as for a real edge. */
  setPin(pin: string, level: 0 | 1, atS = this.now()): void {
    this.changePin(pin, level, atS);
  }

  /** Number of timers, watches and sockets still alive (0 after stop()). */
  activeHandles(): { timers: number; watches: number; sockets: number; internal: number } {
    return {
      timers: this.timers.size,
      watches: this.watches.size,
      sockets: this.sockets.size,
      internal: this.internal.size,
    };
  }

  // ---- Internals ----------------------------------------------------------------------------

  private now(): number {
    return this.clock() / 1000;
  }

  private restart(): void {
    this.teardown();
    this.halted = false;
    this.freshContext();
  }

  private teardown(): void {
    this.generation++;
    for (const timer of this.timers.values()) clearTimeout(timer.handle);
    this.timers.clear();
    this.watches.clear();
    for (const handle of this.internal) clearTimeout(handle);
    this.internal.clear();
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
  }

  private freshContext(): Context {
    const context = createContext({});
    const install = new Script(PRELUDE, { filename: "espruino-prelude.js" }).runInContext(context) as (
      host: object,
    ) => PreludeApi;
    this.api = install(this.bridge());
    this.context = context;
    return context;
  }

  private print(text: string): void {
    for (const line of text.split("\n")) {
      if (this.promptShown) this.raw += "\r\x1B[J";
      this.promptShown = false;
      this.raw += `${line}\r\n`;
      this.lines.push(line);
      this.options.console?.(line);
    }
  }

  /** After a task: the prompt comes back if the task printed anything. */
  private prompt(): void {
    if (this.promptShown) return;
    this.raw += ">";
    this.promptShown = true;
  }

  private report(error: unknown): void {
    this.uncaught.push(error);
    this.print(describeUncaught(error));
  }

  /** Runs a callback of the script the way Espruino's idle loop does: an exception is printed. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.report(error);
    }
    this.prompt();
  }

  private later(ms: number, run: () => void): void {
    const generation = this.generation;
    const handle = setTimeout(() => {
      this.internal.delete(handle);
      if (generation === this.generation) run();
    }, ms);
    this.internal.add(handle);
  }

  private pin(name: string): PinState {
    let state = this.pins.get(name);
    if (state === undefined) {
      state = { level: 0, changedAt: this.now(), mode: "auto" };
      this.pins.set(name, state);
    }
    return state;
  }

  private changePin(name: string, level: 0 | 1, atS: number): void {
    const state = this.pin(name);
    if (state.level === level) return;
    state.level = level;
    state.changedAt = atS;
    for (const [id, watch] of [...this.watches]) {
      if (watch.pin !== name) continue;
      const lastTime = watch.lastTime;
      watch.lastTime = atS;
      if ((watch.edge === "rising" && level === 0) || (watch.edge === "falling" && level === 1)) continue;
      if (!watch.repeat) this.watches.delete(id);
      const api = this.api;
      if (api !== undefined)
        this.guard(() => api.fireWatch(watch.fn, level === 1, atS, lastTime ?? Number.NaN, name));
    }
  }

  private digitalPulse(pin: string, value: 0 | 1, times: number[]): void {
    if (this.halted) return;
    const at = this.now();
    this.changePin(pin, value, at);
    // Odd count of pulses leaves the pin at `value`; time within the pulse is not simulated.
    const endLevel = times.length % 2 === 1 ? ((1 - value) as 0 | 1) : value;
    const totalMs = times.reduce((sum, t) => sum + t, 0);
    this.changePin(pin, endLevel, at + totalMs / 1000);
    const sensor = this.options.hcsr04;
    if (sensor !== undefined && pin === sensor.trigger && value === 1 && times.length > 0)
      this.ping(sensor, at);
  }

  /** The echo line rises after the burst and falls `cmToEchoUs(distance)` later. */
  private ping(sensor: HcSr04Options, triggeredAt: number): void {
    this.later(0, () => {
      if (this.halted) return;
      const distance = sensor.distanceCm();
      if (distance === null) return;
      const temperature = sensor.temperatureC ?? this.options.temperatureC ?? 20;
      const widthS = cmToEchoUs(distance, temperature) / 1e6;
      // Delivered once the echo is over in real time, so a firmware timeout races it as on the chip.
      this.later(Math.floor(widthS * 1000), () => {
        const fallAt = Math.max(this.now(), triggeredAt + ECHO_START_S + widthS);
        this.changePin(sensor.echo, 1, fallAt - widthS);
        this.changePin(sensor.echo, 0, fallAt);
      });
    });
  }

  private setTimer(fn: unknown, ms: number, args: unknown, repeat: boolean): number {
    const id = this.nextTimerId++;
    if (this.halted) return id;
    const delay = Math.max(ms, 0);
    const fire = (): void => {
      const timer = this.timers.get(id);
      if (timer === undefined) return;
      if (!timer.repeat) this.timers.delete(id);
      const api = this.api;
      if (api !== undefined) this.guard(() => api.call(timer.fn, timer.args));
    };
    const handle = repeat ? setInterval(fire, delay) : setTimeout(fire, delay);
    this.timers.set(id, { handle, fn, args, ms: delay, repeat });
    return id;
  }

  private clearTimer(id: unknown): void {
    if (typeof id !== "number") return;
    const timer = this.timers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer.handle);
    this.timers.delete(id);
  }

  private clearAllTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer.handle);
    this.timers.clear();
  }

  private changeInterval(id: unknown, ms: number): void {
    if (typeof id !== "number") return;
    const timer = this.timers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer.handle);
    this.timers.delete(id);
    const again = this.setTimer(timer.fn, ms, timer.args, timer.repeat);
    const moved = this.timers.get(again);
    this.timers.delete(again);
    if (moved !== undefined) this.timers.set(id, moved);
  }

  private storageWrite(name: string, data: string, offset: number, size: number): string | undefined {
    if (offset < 0) {
      this.files.set(name, data);
      return undefined;
    }
    if (size >= 0) {
      if (offset + data.length > size)
        return `Storage.write: ${data.length} bytes at ${offset} overrun size ${size}`;
      this.files.set(name, "\xff".repeat(offset) + data + "\xff".repeat(size - offset - data.length));
      return undefined;
    }
    const existing = this.files.get(name);
    if (existing === undefined)
      return `Storage.write: ${name} does not exist; give its size on the first write`;
    if (offset + data.length > existing.length) {
      return `Storage.write: ${data.length} bytes at ${offset} overrun ${name} (${existing.length} bytes)`;
    }
    this.files.set(name, existing.slice(0, offset) + data + existing.slice(offset + data.length));
    return undefined;
  }

  private connect(host: string, port: number): number {
    const id = this.nextSocketId++;
    const generation = this.generation;
    const deliver = (kind: string, a?: unknown, b?: unknown): void => {
      const api = this.api;
      if (generation === this.generation && api !== undefined) this.guard(() => api.netEvent(id, kind, a, b));
    };
    const target =
      this.networkUp && !this.halted
        ? (this.options.netHost ?? ((h, p) => ({ host: h, port: p })))(host, port)
        : null;
    // The interpreter's connect blocks and throws when it cannot be made (docs/espruino.md,
    // "Network"); the prelude turns -1 into that exception.
    if (target === null) return -1;
    const socket = netConnect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    this.sockets.set(id, socket);
    socket.on("connect", () => deliver("connect"));
    socket.on("data", (chunk: Buffer) => deliver("data", chunk.toString("latin1")));
    socket.on("error", (error: NodeJS.ErrnoException) => deliver("error", error.code ?? "", error.message));
    socket.on("close", (hadError: boolean) => {
      if (this.sockets.get(id) === socket) this.sockets.delete(id);
      deliver("close", hadError);
    });
    return id;
  }

  private deepSleep(us: number): void {
    this.sleeps.push(us);
    this.stop();
    if (this.options.wakeFromDeepSleep === true) {
      this.later(us / 1000, () => this.load());
    }
  }

  /** The host side of every Espruino global; it takes and returns primitives and context values only. */
  private bridge(): object {
    const bridge: Record<string, Fn> = {
      print: (text) => this.print(String(text)),
      now: () => this.now(),
      setTimer: (fn, ms, args, repeat) => this.setTimer(fn, Number(ms), args, repeat === true),
      clearTimer: (id) => this.clearTimer(id),
      clearAllTimers: () => this.clearAllTimers(),
      changeInterval: (id, ms) => this.changeInterval(id, Number(ms)),
      pinName: (value) => {
        const name = typeof value === "number" ? `D${value}` : String(value);
        return PIN_NAME.test(name) ? name : undefined;
      },
      digitalWrite: (pin, level) => {
        if (!this.halted) this.changePin(String(pin), level === 1 ? 1 : 0, this.now());
      },
      digitalRead: (pin) => this.pinLevel(String(pin)),
      pinMode: (pin, mode) => {
        this.pin(String(pin)).mode = String(mode);
      },
      getPinMode: (pin) => this.pin(String(pin)).mode,
      digitalPulse: (pin, value, times) =>
        this.digitalPulse(String(pin), value === 1 ? 1 : 0, Array.isArray(times) ? times.map(Number) : []),
      setWatch: (fn, pin, edge, repeat) => {
        const id = this.nextWatchId++;
        if (!this.halted) {
          this.watches.set(id, {
            fn,
            pin: String(pin),
            edge: edge === "rising" || edge === "falling" ? edge : "both",
            repeat: repeat === true,
            lastTime: undefined,
          });
        }
        return id;
      },
      clearWatch: (id) => typeof id === "number" && this.watches.delete(id),
      clearAllWatches: () => this.watches.clear(),
      temperature: () => this.options.temperatureC ?? 20,
      hwRand: () => Math.floor(Math.random() * 0x100000000) | 0,
      reboot: () => this.later(0, () => this.load()),
      load: () => this.later(0, () => this.load()),
      reset: () => this.later(0, () => this.reset()),
      btoa: (s) => Buffer.from(String(s), "latin1").toString("base64"),
      atob: (s) => Buffer.from(String(s), "base64").toString("latin1"),
      storageRead: (name) => this.files.get(String(name)),
      storageWrite: (name, data, offset, size) =>
        this.storageWrite(String(name), String(data), Number(offset), Number(size)),
      storageErase: (name) => {
        this.files.delete(String(name));
      },
      storageEraseAll: () => this.files.clear(),
      storageList: () => JSON.stringify([...this.files.keys()]),
      storageFree: () => {
        let used = 0;
        for (const data of this.files.values()) used += data.length;
        return Math.max(STORAGE_BYTES - used, 0);
      },
      netConnect: (host, port) => this.connect(String(host), Number(port)),
      netWrite: (id, data) => {
        const socket = this.sockets.get(Number(id));
        if (socket === undefined || socket.destroyed || !socket.writable) return false;
        socket.write(Buffer.from(String(data), "latin1"));
        return true;
      },
      netEnd: (id) => {
        this.sockets.get(Number(id))?.end();
      },
      deepSleep: (us) => this.deepSleep(Number(us)),
      wifiEnabled: () => this.options.wifi !== undefined,
      wifiRssi: () => this.options.wifi?.rssi ?? -61,
      wifiConnect: (ssid, _password, callback) => {
        this.wifiJoins.push({ ssid: String(ssid), at: Date.now() });
        const wifi = this.options.wifi ?? {};
        const failing = (wifi.failJoins ?? 0) >= this.wifiJoins.length;
        // A join takes a moment, and its callback runs in the script like any other event.
        this.later(20, () => {
          const api = this.api;
          if (api === undefined || typeof callback !== "function") return;
          // The ESP32 port raises `disconnected` before a failed join's callback.
          if (failing) this.guard(() => api.wifiEvent("disconnected"));
          this.guard(() => api.call(callback, [failing ? "auth failed" : null]));
          if (!failing) this.guard(() => api.wifiEvent("connected"));
        });
      },
    };
    return Object.assign(Object.create(null) as object, bridge);
  }
}
