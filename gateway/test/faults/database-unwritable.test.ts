import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { resolveSettings } from "../../src/config/settings.js";
import { type RunningGateway, startGateway } from "../../src/gateway.js";
import { startFlipStream } from "../support/flipStream.js";
import { eventually, getJson, tempDir } from "../support/gateway.js";

const SPOTS = 20;
const RATE_PER_S = 100;
/** The file system the database lives on: small, so filling it takes a moment. */
const IMAGE_MB = 12;

interface Health {
  status: string;
  reasons: string[];
  store_writer: { waiting: number; last_error: string | null };
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: "pipe" });
}

/**
 * Root is needed to mount a file system of our own (CI runs the tests as root, .ci/run). Without
 * it the test fails, loudly: a skipped fault test would look like a passing one.
 */
function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "This test mounts a small ext4 file system to fill it and make it unwritable: run it as root (CI does, through .ci/run).",
    );
  }
}

/** Fills the file system at `dir` with one file until the kernel says ENOSPC. */
function fill(file: string): number {
  const fd = openSync(file, "w");
  let written = 0;
  try {
    for (const size of [1 << 20, 1 << 12, 1 << 9]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe("the database file system full, then unwritable, while reports stream in over Mosquitto", () => {
  let dir: string;
  let disk: string;
  let mounted = false;
  let mosquitto: Mosquitto;
  let gateway: RunningGateway | null = null;
  let publisher: MqttClient | null = null;
  const logs: Array<{ level: number; msg: string }> = [];

  beforeAll(async () => {
    requireRoot();
    dir = tempDir("parking-db-fault-");
    disk = join(dir, "disk");
    mkdirSync(disk);
    const image = join(dir, "disk.img");
    run("truncate", ["-s", `${IMAGE_MB}M`, image]);
    // -m 0: no blocks reserved for root, who would otherwise be the one to use them.
    run("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
    run("mount", ["-o", "loop", image, disk]);
    mounted = true;
    mosquitto = await startMosquitto(join(dir, "broker"));
    gateway = await startOnDisk();
  });

  /** A gateway on the small disk; the same MQTT client id each time, so the broker keeps its session. */
  async function startOnDisk(): Promise<RunningGateway> {
    const { settings, errors } = resolveSettings(
      {
        httpPort: "0",
        host: "127.0.0.1",
        mqttUrl: mosquitto.url,
        db: join(disk, "parking.db"),
        mqttClientId: `db-fault-${process.pid}`,
        rateLimit: "0",
      },
      {},
    );
    if (errors.length > 0) throw new Error(errors.join(" "));
    const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
    return startGateway(settings, logger);
  }

  afterAll(async () => {
    publisher?.end(true);
    // Writable first: stopping commits what waits, and would wait for the disk forever.
    if (disk !== undefined) {
      rmSync(join(disk, "filler"), { force: true });
      for (const name of ["parking.db", "parking.db-wal"]) {
        if (existsSync(join(disk, name))) run("chattr", ["-i", join(disk, name)]);
      }
    }
    try {
      await gateway?.stop();
    } finally {
      // Lazy: a gateway that failed to stop still holds the file; the mount must not outlive the test.
      if (mounted) run("umount", ["-l", disk]);
      await mosquitto?.stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps every acknowledged report, says why in one sentence, and recovers by itself", async () => {
    const running = gateway as RunningGateway;
    const base = `http://127.0.0.1:${running.httpPort}`;
    const db = join(disk, "parking.db");
    const health = async (): Promise<Health> => (await getJson<Health>(`${base}/api/health`)).body;
    await eventually(
      async () => ((await health()).status === "ok" ? true : undefined),
      10_000,
      "a healthy gateway",
    );

    publisher = await mqtt.connectAsync(mosquitto.url, { clientId: "db-fault-node", protocolVersion: 4 });
    const stream = startFlipStream(publisher, {
      spots: SPOTS,
      ratePerS: RATE_PER_S,
      topic: (i) => `parking/D${i % 2}/s${i}`,
    });
    await new Promise((r) => setTimeout(r, 1_000));

    // Disk full: the commit that needs a new block fails with SQLITE_FULL.
    const filler = join(disk, "filler");
    const filled = fill(filler);
    const full = await eventually(
      async () => {
        const h = await health();
        return h.status === "degraded" && h.store_writer.last_error !== null ? h : undefined;
      },
      30_000,
      "the gateway to notice the full disk",
    );
    expect(full.store_writer.last_error).toBe("no space left on the device");
    expect(full.reasons).toContainEqual(
      expect.stringMatching(/^Commits to the database fail \(no space left on the device\)/),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const stillFull = await health();
    // Held, not acknowledged: the broker still owns them, and would redeliver them to a new gateway.
    expect(stillFull.store_writer.waiting).toBeGreaterThan(0);
    expect((await getJson(`${base}/api/current`)).status).toBe(200);
    const fullLog = logs.find((l) => l.level === 50 && l.msg.includes("no space left"));
    expect(fullLog?.msg).toMatch(
      new RegExp(
        `^Cannot write to the database ${db.replaceAll("/", "\\/")}: no space left on the device; \\d+ messages? waits? unacknowledged; retrying in`,
      ),
    );
    rmSync(filler);
    await eventually(
      async () => ((await health()).status === "ok" ? true : undefined),
      20_000,
      "recovery from the full disk",
    );
    expect(logs.some((l) => l.level === 40 && l.msg.includes("is writable again"))).toBe(true);

    // Unwritable: chattr +i refuses every write, root's included, even through files already open
    // (mount -o remount,ro is refused while the gateway holds the database open for writing).
    run("chattr", ["+i", db, `${db}-wal`]);
    let unwritableError: string | null = null;
    try {
      const outage = await eventually(
        async () => {
          const h = await health();
          return h.status === "degraded" && h.store_writer.last_error !== null ? h : undefined;
        },
        30_000,
        "the gateway to notice the unwritable database",
      );
      unwritableError = outage.store_writer.last_error;
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await health()).store_writer.waiting).toBeGreaterThan(0);
    } finally {
      run("chattr", ["-i", db, `${db}-wal`]);
    }
    console.log(
      `database faults: filled ${(filled / 1048576).toFixed(1)} MiB; full disk reads "no space left on the device", ` +
        `an immutable file "${unwritableError}"; ${stream.published} reports published so far`,
    );
    expect(unwritableError).toBe("disk I/O error");
    await eventually(
      async () => ((await health()).status === "ok" ? true : undefined),
      20_000,
      "recovery from the unwritable file",
    );

    await new Promise((r) => setTimeout(r, 500));
    await stream.stop(10_000);
    const { published, acknowledged } = stream;
    expect(stream.failures).toEqual([]);
    expect(acknowledged).toBe(published);
    await eventually(
      async () => ((await health()).store_writer.waiting === 0 ? true : undefined),
      10_000,
      "the writer to drain",
    );
    await running.stop();
    gateway = null;

    const sqlite = new Database(db, { readonly: true });
    try {
      expect(sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
      const rows = sqlite
        .prepare("select zone, spot, seq, count(*) as n from change_events group by zone, spot, seq")
        .all() as Array<{ n: number }>;
      // Every acknowledged report stored, each exactly once.
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.length).toBe(published);
    } finally {
      sqlite.close();
    }
  });

  it("stops within its deadline while the database cannot be written; the broker delivers the rest at the next start", async () => {
    gateway ??= await startOnDisk();
    const base = `http://127.0.0.1:${gateway.httpPort}`;
    const db = join(disk, "parking.db");
    const health = async (): Promise<Health> => (await getJson<Health>(`${base}/api/health`)).body;
    await eventually(async () => ((await health()).status === "ok" ? true : undefined), 10_000, "healthy");
    const stored = (): number => {
      const sqlite = new Database(db, { readonly: true });
      try {
        return sqlite.prepare("select count(*) from change_events where zone = 'E0'").pluck().get() as number;
      } finally {
        sqlite.close();
      }
    };
    const REPORTS = 30;
    run("chattr", ["+i", db, `${db}-wal`]);
    try {
      const node = await mqtt.connectAsync(mosquitto.url, {
        clientId: "db-fault-stop-node",
        protocolVersion: 4,
      });
      for (let i = 0; i < REPORTS; i++) {
        await node.publishAsync(`parking/E0/s${i}`, JSON.stringify({ status: "occupied", confidence: 0.9 }), {
          qos: 1,
        });
      }
      await node.endAsync();
      await eventually(
        async () => ((await health()).store_writer.waiting === REPORTS ? true : undefined),
        30_000,
        "the reports held, unacknowledged",
      );
      const started = Date.now();
      await gateway.stop();
      gateway = null;
      const tookMs = Date.now() - started;
      // 10 s for the store, then the network; without the deadline, stop waited for ever.
      expect(tookMs).toBeLessThan(15_000);
      expect(logs.map((l) => l.msg)).toContainEqual(
        expect.stringMatching(
          /^Stopping without storing 30 messages: disk I\/O error\. They were never acknowledged/,
        ),
      );
    } finally {
      run("chattr", ["-i", db, `${db}-wal`]);
    }
    expect(stored()).toBe(0);

    // Same client id, same broker session: what was never acknowledged comes again, and is stored.
    gateway = await startOnDisk();
    await eventually(
      async () => (stored() === REPORTS ? true : undefined),
      20_000,
      "the redelivered reports stored",
    );
    const sqlite = new Database(db, { readonly: true });
    try {
      expect(sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      sqlite.close();
    }
  });
});
