import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { spawnGateway, spawnParking } from "../support/child.js";
import { getJson, tempDir } from "../support/gateway.js";

function occupyPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    });
  });
}

/** Start-up refusals: exit code not 0, one sentence naming the setting, no stack trace. */
describe("parking gateway start-up errors", () => {
  let dir: string;
  let taken: { server: Server; port: number };

  beforeAll(async () => {
    dir = tempDir("parking-cli-");
    taken = await occupyPort();
  });

  afterAll(() => {
    taken.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (args: string[], env: Record<string, string> = {}) => {
    const proc = spawnParking(
      ["gateway", "--host", "127.0.0.1", "--mqtt-port", "0", "--mqtt-ws-port", "0", ...args],
      env,
    );
    const code = await proc.exited;
    return { code, stderr: proc.stderr().trim(), stdout: proc.stdout() };
  };

  it("names --http-port when the HTTP port is taken", async () => {
    const { code, stderr } = await run(["--http-port", String(taken.port), "--db", join(dir, "a.db")]);
    expect(code).toBe(1);
    expect(stderr.split("\n")).toHaveLength(1);
    expect(stderr).toContain("--http-port");
    expect(stderr).toContain("already in use");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("names --mqtt-port when a chosen embedded broker port is taken", async () => {
    const { code, stderr } = await run([
      "--http-port",
      "0",
      "--db",
      join(dir, "b.db"),
      "--mqtt-port",
      String(taken.port),
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain("--mqtt-port");
  });

  it("names --db when the database path cannot be written", async () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "not a directory");
    const { code, stderr } = await run(["--http-port", "0", "--db", join(file, "parking.db")]);
    expect(code).toBe(1);
    expect(stderr.split("\n")).toHaveLength(1);
    expect(stderr).toContain("--db");
  });

  it("lists every bad setting at once, naming flag and environment variable", async () => {
    const { code, stderr } = await run(["--http-port", "eighty", "--db", join(dir, "c.db")], {
      PARKING_ALERT_HIGH: "95",
      PARKING_TOPIC_ROOT: "park/#",
    });
    expect(code).toBe(2);
    expect(stderr).toContain("--http-port (PARKING_HTTP_PORT)");
    expect(stderr).toContain("--topic-root (PARKING_TOPIC_ROOT)");
    expect(stderr).toContain("--alert-high (95) must be below --alert-critical");
  });
});

describe("parking gateway shutdown", () => {
  let dir: string;
  let mosquitto: Mosquitto;

  beforeAll(async () => {
    dir = tempDir("parking-stop-");
    mosquitto = await startMosquitto(join(dir, "broker"));
  });

  afterAll(async () => {
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("on SIGTERM stores what it took, says offline, and exits 0", async () => {
    const gateway = spawnGateway(mosquitto.url, join(dir, "parking.db"));
    const port = await gateway.httpPort;
    const node = await mqtt.connectAsync(mosquitto.url, { clientId: "stop-test-node" });
    await node.publishAsync("parking/Zone_A/place_1", '{"status":"occupied","confidence":0.9,"seq":1}', {
      qos: 1,
    });
    for (let i = 0; i < 50; i++) {
      const body = (await getJson<{ total: number }>(`http://127.0.0.1:${port}/api/current`)).body;
      if (body.total === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    gateway.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
    expect(gateway.stdout()).toContain("stopped cleanly");

    const availability = await new Promise<string>((resolve) => {
      node.on("message", (_topic, payload) => resolve(payload.toString()));
      void node.subscribeAsync("parking/gateway/availability", { qos: 1 });
    });
    expect(availability).toBe("offline");
    await node.endAsync();

    const restarted = spawnGateway(mosquitto.url, join(dir, "parking.db"));
    const restartedPort = await restarted.httpPort;
    const history = await getJson<{ count: number }>(`http://127.0.0.1:${restartedPort}/api/history`);
    expect(history.body.count).toBe(1);
    restarted.kill("SIGTERM");
    expect(await restarted.exited).toBe(0);
  });
});
