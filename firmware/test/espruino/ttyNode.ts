import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { deviceFolder, espruinoBinary, launchEspruino } from "../../../testkit/espruino.js";
import { type Cable, plugIn, removeDir } from "../tools/pty.js";

/**
 * The real Espruino interpreter (the x64 host build) as a node on USB: its console on a
 * pseudo-terminal that `parking flash` and `parking monitor` open like /dev/ttyUSB0. Storage
 * holds only the device stub in `.boot0` (device.js: Wifi, ESP32, the HC-SR04 echo), as an
 * ESP32 holds nothing but Espruino before its first flash.
 */
export interface TtyNode {
  /** The node's serial device, for the tools. */
  port: string;
  /** Everything the interpreter wrote, as latin1, for failure messages. */
  output(): string;
  /** The distance the stub's HC-SR04 echoes, in cm. */
  setEcho(cm: number): void;
  /** SIGKILL, as a crash or a brown-out: the pty stays, nothing answers on it any more. */
  crash(): Promise<void>;
  /** A power cycle: the interpreter starts again from its Storage, on the same pty. */
  powerCycle(): Promise<void>;
  dispose(): Promise<void>;
}

/** The interpreter is killed after this long whatever happens to the test. */
const LIFETIME_S = 120;
/** 115200 baud is 11.52 bytes a millisecond: 48 bytes every 5 ms stays just under it. */
const TICK_MS = 5;
const BYTES_PER_TICK = 48;

export async function startTtyNode(echoCm = 250): Promise<TtyNode> {
  const binary = espruinoBinary("x64");
  const { dir, setEcho } = deviceFolder("espruino-tty-", echoCm);
  await prepareStorage(binary, dir);

  const cable = await plugIn();
  const device = new SerialPort({ path: cable.device, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => device.open((error) => (error ? reject(error) : resolve())));
  let output = "";
  let interpreter: Interpreter | null = null;
  const boot = (): void => {
    interpreter = startInterpreter(binary, dir, device, (text) => {
      output = (output + text).slice(-100_000);
    });
  };
  device.on("data", (chunk: Buffer) => interpreter?.input(chunk));
  boot();
  const crash = async (): Promise<void> => {
    await interpreter?.kill();
  };
  return {
    port: cable.host,
    output: () => output,
    setEcho,
    crash,
    powerCycle: async () => {
      await crash();
      boot();
    },
    dispose: async () => {
      await crash();
      if (device.isOpen) await new Promise<void>((resolve) => device.close(() => resolve()));
      await unplug(cable);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function unplug(cable: Cable): Promise<void> {
  await cable.unplug();
  removeDir(cable.dir);
}

/**
 * `espruino setup.js` runs the file and exits once it has nothing left to do; Storage lands in
 * `espruino.flash` in its working directory, where the interactive run finds it.
 */
async function prepareStorage(binary: string, dir: string): Promise<void> {
  writeFileSync(
    join(dir, "setup.js"),
    'require("Storage").write(".boot0",require("fs").readFileSync("device.js"));print("STORAGE READY");\n',
  );
  const run = launchEspruino(binary, ["setup.js"], dir, { lifetimeS: LIFETIME_S, stderr: "ignore" });
  let printed = "";
  run.proc.stdout?.on("data", (chunk: Buffer) => {
    printed += chunk.toString("latin1");
  });
  const deadline = setTimeout(() => void run.kill(), 20_000);
  await run.exited;
  clearTimeout(deadline);
  if (!printed.includes("STORAGE READY")) {
    throw new Error(`Espruino did not prepare its Storage; it printed:\n${printed}`);
  }
}

interface Interpreter {
  input(chunk: Buffer): void;
  kill(): Promise<void>;
}

/**
 * Interactive, as at power-on: it runs the Storage boot files. Its stdin and stdout are pipes
 * joined to the device end of the pty, so this process, not the pty, holds its stdin open (at
 * end of input the host build floods its queue) and can kill it alone. Its stderr (a few
 * `espruino: ...` lines of the host build) is kept out of the console, as a device has none.
 */
function startInterpreter(
  binary: string,
  dir: string,
  device: SerialPort,
  record: (text: string) => void,
): Interpreter {
  const run = launchEspruino(binary, [], dir, { lifetimeS: LIFETIME_S, stderr: "ignore" });
  run.proc.stdout?.on("data", (chunk: Buffer) => {
    record(chunk.toString("latin1"));
    device.write(chunk);
  });
  // A USB serial link brings at most 11.5 bytes a millisecond at 115200 baud; a pipe hands over
  // whatever a busy machine has gathered at once, and the host build's stdin thread then races
  // its input queue and garbles lines. So the input goes at the cable's pace.
  let pending = Buffer.alloc(0);
  let pump: ReturnType<typeof setInterval> | undefined;
  const alive = (): boolean => run.proc.exitCode === null && run.proc.signalCode === null;
  const drain = (): void => {
    if (!alive() || pending.length === 0) {
      if (pump !== undefined) clearInterval(pump);
      pump = undefined;
      return;
    }
    run.proc.stdin?.write(pending.subarray(0, BYTES_PER_TICK));
    pending = pending.subarray(BYTES_PER_TICK);
  };
  return {
    input: (chunk) => {
      if (!alive()) return;
      pending = Buffer.concat([pending, chunk]);
      if (pump === undefined) {
        drain();
        pump = setInterval(drain, TICK_MS);
      }
    },
    kill: async () => {
      if (pump !== undefined) clearInterval(pump);
      pump = undefined;
      await run.kill();
    },
  };
}
