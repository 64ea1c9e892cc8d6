import { setTimeout as delay } from "node:timers/promises";
import vm from "node:vm";
import { crc32 } from "node:zlib";
import { SerialPort } from "serialport";

export interface FakeEspruinoOptions {
  /** A device without Espruino (or at another baud rate): reads everything, answers nothing. */
  silent?: boolean;
  /** Flips a bit in the first `Storage.write` at a non-zero offset, as a bad cable might. */
  corruptWrite?: boolean;
  /** Waits this long before running each line, like a busy device. */
  delayMs?: number;
  /** Whether the program started by `load()` ever prints a report. */
  report?: boolean;
  /**
   * How the started node reports: serial-fallback JSON lines, or (connected to its broker) only
   * the `MQTT <topic> <payload>` line after each publish.
   */
  reportVia?: "serial" | "mqtt";
  /** Changes one character in this many lines that add to a chunk (`c+=...`), as a noisy link would. */
  garble?: number;
  /** Runs this many lines, then never answers again, like a device that crashed. */
  answerLines?: number;
  /**
   * An ESP32 build: the ESP32 object, with Bluetooth on or off. Undefined: a board without it.
   * `ESP32.enableBLE` keeps the switch, erases the saved code and restarts, as the port does.
   */
  ble?: boolean;
  /** With `ble`: enableBLE(false) is ignored, as if the NVS write failed. */
  bleStuck?: boolean;
}

const BANNER = [
  " ____                 _",
  "|  __|___ ___ ___ _ _|_|___ ___",
  "|  __|_ -| . |  _| | | |   | . |",
  "|____|___|  _|_| |___|_|_|_|___|",
  "         |_| espruino.com",
  " 2v25 (c) 2024 G.Williams",
  "",
].join("\r\n");

/**
 * Espruino's REPL, on the far end of a pseudo-terminal, for the commands the flash tool sends.
 * Lines run as real JavaScript in a `vm` context whose `require("Storage")` is backed by a Map
 * of byte strings (one char per byte, as Espruino's strings are), so escaping mistakes show up
 * as wrong bytes, not as a lenient parser's guess.
 */
export class FakeEspruino {
  /** Storage: file name to content, one char per byte. */
  readonly files = new Map<string, string>();
  /** Every line the device ran, without the echo-off prefix. */
  readonly lines: string[] = [];
  private input = "";
  private echoOff = false;
  private queue: Promise<void> = Promise.resolve();
  private context: vm.Context;
  private afterLine: "reset" | "load" | "restart" | null = null;
  /** Bluetooth as the chip's NVS holds it; survives restarts. */
  bluetooth: boolean | undefined;
  private corrupted = false;
  private garbled = 0;

  private constructor(
    private readonly port: SerialPort,
    private readonly options: FakeEspruinoOptions,
  ) {
    this.bluetooth = options.ble;
    // Built here, not as a field initializer: it reads the options, set only by now.
    this.context = this.newContext();
    port.on("data", (chunk: Buffer) => this.receive(chunk.toString("latin1")));
  }

  static async attach(path: string, options: FakeEspruinoOptions = {}): Promise<FakeEspruino> {
    const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    return new FakeEspruino(port, options);
  }

  file(name: string): Buffer | undefined {
    const content = this.files.get(name);
    return content === undefined ? undefined : Buffer.from(content, "latin1");
  }

  /** Prints as the node's program would. */
  print(text: string): void {
    this.port.write(Buffer.from(text, "latin1"));
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private receive(chars: string): void {
    if (this.options.silent) return;
    if (this.options.answerLines !== undefined && this.lines.length >= this.options.answerLines) return;
    for (const c of chars) {
      if (c === "\x03") {
        this.input = "";
        this.echoOff = false;
      } else if (c === "\x10" && this.input === "") {
        this.echoOff = true;
      } else if (c === "\n" || c === "\r") {
        const line = this.input;
        const echo = !this.echoOff;
        this.input = "";
        this.echoOff = false;
        if (echo) this.print("\r\n");
        this.queue = this.queue.then(() => this.run(line, echo));
      } else {
        this.input += c;
        if (!this.echoOff) this.print(c);
      }
    }
  }

  private async run(received: string, echo: boolean): Promise<void> {
    if (this.options.delayMs) await delay(this.options.delayMs);
    const line = this.garbleOnce(received);
    if (line.trim() !== "") {
      this.lines.push(line);
      try {
        const result: unknown = vm.runInContext(line, this.context, { timeout: 2_000 });
        if (echo) this.print(`=${result === undefined ? "undefined" : JSON.stringify(result)}\r\n`);
      } catch (error) {
        const e = error as { name?: string; message?: string };
        this.print(`Uncaught ${e.name ?? "Error"}: ${e.message ?? String(error)}\r\n at line 1 col 1\r\n`);
      }
    }
    // Like Espruino, reset() and load() take effect once the line that called them is done.
    const after = this.afterLine;
    this.afterLine = null;
    if (after === "restart") {
      // A hard restart: the REPL is gone for a moment, then the banner, and a fresh prompt.
      this.context = this.newContext();
      await delay(200);
      this.print(`\r\n${BANNER}\r\n`);
    } else if (after) {
      this.context = this.newContext();
      this.print(`\r\n${BANNER}\r\n`);
      if (after === "load") this.boot();
    }
    this.print(">");
  }

  /** A letter in the literal, away from any escape, becomes another: still valid JavaScript, other bytes. */
  private garbleOnce(line: string): string {
    if (!line.startsWith("c+=") || this.garbled >= (this.options.garble ?? 0)) return line;
    const body = line.indexOf('"') + 1;
    const letter = /(?<!\\[\s\S]{0,3})[a-z]/.exec(line.slice(body));
    if (!letter) return line;
    this.garbled++;
    const at = body + letter.index;
    return line.slice(0, at) + (line.charAt(at) === "q" ? "x" : "q") + line.slice(at + 1);
  }

  /** What Espruino prints at an idle prompt: it takes the prompt away, prints, and puts it back. */
  private printAtPrompt(line: string): void {
    this.print(`\r\x1B[J${line}\r\n>`);
  }

  /** Stands in for running `.bootcde`: the node says hello, then reports its spot. */
  private boot(): void {
    const settings = this.files.get("parking.json");
    if (!this.files.has(".bootcde") || settings === undefined || this.options.report === false) return;
    const { zone, spot } = JSON.parse(Buffer.from(settings, "latin1").toString("utf8")) as {
      zone: string;
      spot: string;
    };
    setTimeout(() => {
      this.printAtPrompt("parking node starting");
      const report = `{"status":"occupied","confidence":0.93,"distance_cm":121,"seq":1,"reason":"boot"}`;
      if (this.options.reportVia === "mqtt") {
        this.printAtPrompt(`MQTT parking/Other/x ${report}`);
        this.printAtPrompt(`MQTT parking/${zone}/${spot} ${report}`);
        return;
      }
      this.printAtPrompt(`{"zone":"Other","spot":"x","status":"free","confidence":1}`);
      this.printAtPrompt(`{"zone":"${zone}","spot":"${spot}",${report.slice(1)}`);
    }, 50);
  }

  private newContext(): vm.Context {
    const print = (...args: unknown[]): void => this.print(`${args.map(String).join(" ")}\r\n`);
    const storage = this.storage();
    return vm.createContext({
      print,
      console: { log: print },
      E: { CRC32: (data: string) => crc32(Buffer.from(data, "latin1")) },
      require: (name: string) => {
        if (name === "Storage") return storage;
        throw new Error(`Module ${name} not found`);
      },
      reset: () => {
        this.afterLine = "reset";
      },
      ...(this.options.ble === undefined
        ? {}
        : {
            ESP32: {
              getState: () => ({ BLE: this.bluetooth, Wifi: true }),
              enableBLE: (enable: boolean) => {
                if (!this.options.bleStuck) this.bluetooth = enable;
                // jsfRemoveCodeFromFlash, then esp_restart.
                this.files.delete(".bootcde");
                this.afterLine = "restart";
              },
            },
          }),
      load: () => {
        this.afterLine = "load";
      },
    });
  }

  private storage(): Record<string, unknown> {
    const files = this.files;
    return {
      read: (name: string, offset = 0, length?: number) => {
        const content = files.get(name);
        if (content === undefined || offset >= content.length) return undefined;
        return content.slice(offset, length === undefined ? undefined : offset + length);
      },
      erase: (name: string) => {
        files.delete(name);
      },
      list: () => [...files.keys()],
      readJSON: (name: string) => {
        const content = files.get(name);
        return content === undefined ? undefined : JSON.parse(content);
      },
      writeJSON: (name: string, value: unknown) => {
        files.set(name, JSON.stringify(value));
        return true;
      },
      write: (name: string, data: unknown, offset?: number, size?: number) =>
        this.write(name, data, offset, size),
    };
  }

  /** Espruino's rules: a file is created at offset 0 with its full size, then filled, never overwritten. */
  private write(name: string, data: unknown, offset?: number, size?: number): boolean {
    let bytes = typeof data === "string" ? data : JSON.stringify(data);
    // A char above 255 is a Unicode string on Espruino, stored as UTF-8: not the bytes that were meant.
    if (/[\u0100-\uffff]/.test(bytes)) bytes = Buffer.from(bytes, "utf8").toString("latin1");
    if (offset === undefined) {
      this.files.set(name, bytes);
      return true;
    }
    if (offset === 0) {
      this.files.set(name, "\xff".repeat(Math.max(size ?? 0, bytes.length)));
    } else if (this.options.corruptWrite && !this.corrupted) {
      this.corrupted = true;
      bytes = String.fromCharCode((bytes.charCodeAt(0) ^ 1) & 0xff) + bytes.slice(1);
    }
    const file = this.files.get(name);
    if (file === undefined || offset + bytes.length > file.length) return false;
    if (!/^\xff*$/.test(file.slice(offset, offset + bytes.length))) return false;
    this.files.set(name, file.slice(0, offset) + bytes + file.slice(offset + bytes.length));
    return true;
  }
}
