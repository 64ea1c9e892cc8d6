import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/** A USB cable stand-in: a pseudo-terminal pair; the node sits on `device`, the tool on `host`. */
export interface Cable {
  dir: string;
  device: string;
  host: string;
  unplug(): Promise<void>;
}

export async function plugIn(dir = mkdtempSync(join(tmpdir(), "parking-flash-"))): Promise<Cable> {
  const device = join(dir, "device");
  const host = join(dir, "host");
  const socat: ChildProcess = spawn(
    "socat",
    [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 5_000;
  while (!(existsSync(device) && existsSync(host))) {
    if (Date.now() > deadline || socat.exitCode !== null)
      throw new Error("socat did not create the pty pair");
    await delay(20);
  }
  return {
    dir,
    device,
    host,
    unplug: async () => {
      if (socat.exitCode === null && socat.signalCode === null) {
        await new Promise<void>((resolve) => {
          socat.once("exit", () => resolve());
          socat.kill("SIGTERM");
        });
      }
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
