import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { type GatewaySettings, type RawSettings, resolveSettings } from "../../src/config/settings.js";
import { type RunningGateway, startGateway } from "../../src/gateway.js";

export interface TestGateway extends RunningGateway {
  baseUrl: string;
  dir: string;
  settings: GatewaySettings;
  /** Stops the gateway and removes its directory. */
  dispose(): Promise<void>;
}

export function tempDir(prefix = "parking-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A gateway in this process on free ports with its own SQLite file; the embedded broker unless mqttUrl is set. */
export async function startTestGateway(flags: RawSettings = {}, dir = tempDir()): Promise<TestGateway> {
  const { settings, errors } = resolveSettings(
    {
      httpPort: "0",
      mqttPort: "0",
      mqttWsPort: "0",
      host: "127.0.0.1",
      db: join(dir, "parking.db"),
      mqttClientId: `test-gateway-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      ...flags,
    },
    {},
  );
  if (errors.length > 0) throw new Error(errors.join(" "));
  const gateway = await startGateway(settings, pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }));
  return {
    ...gateway,
    baseUrl: `http://127.0.0.1:${gateway.httpPort}`,
    dir,
    settings,
    async dispose() {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls until `check` returns a value that is not undefined, or fails with the last observation. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
