import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { defaultOut, progressPrinter } from "../../../cli/backup.js";
import { REPO_ROOT } from "../../../testkit/paths.js";
import { BackupError, type BackupProgress, backupDatabase } from "../../src/store/backup.js";
import { spawnParking } from "../support/child.js";
import { eventually, getJson, tempDir } from "../support/gateway.js";

const CLI = path.join(REPO_ROOT, "dist", "cli", "main.js");
/** Rows of 3 KB before the writer starts: about 2,300 pages, so the backup takes several steps. */
const PREFILLED = 3_000;

/**
 * Another process writing into the database as the gateway does: WAL, small transactions,
 * without pause. It prints `ready` once the prefilled rows are committed.
 */
const WRITER = `
const Database = require("better-sqlite3");
const db = new Database(process.argv[1]);
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
db.exec("create table readings (id integer primary key, payload blob not null)");
const insert = db.prepare("insert into readings (payload) values (randomblob(3000))");
db.transaction(() => { for (let i = 0; i < ${PREFILLED}; i++) insert.run(); })();
process.stdout.write("ready\\n");
const batch = db.transaction(() => { for (let i = 0; i < 20; i++) insert.run(); });
(function loop() { batch(); setImmediate(loop); })();
`;

let dir: string;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

function startWriter(db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", WRITER, db], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`the writer exited (${code}): ${err}`)));
  });
}

function count(file: string, table: string): number {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function sqliteFile(file: string): void {
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.exec("create table t (x integer); insert into t values (1), (2), (3)");
  db.close();
}

/** `parking backup` as a person runs it: the built CLI in a real process. */
function parkingBackup(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const run = spawnSync(process.execPath, [CLI, "backup", ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, PARKING_DB: "", ...options.env },
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe("backupDatabase", () => {
  it("copies a database that another process keeps writing to, and the copy has its rows", async () => {
    dir = tempDir("parking-backup-");
    const source = path.join(dir, "parking.db");
    await startWriter(source);
    const before = count(source, "readings");
    const progress: BackupProgress[] = [];
    const out = path.join(dir, "backups", "copy.db");

    const result = await backupDatabase(source, out, (p) => progress.push(p));

    expect(count(source, "readings"), "the writer kept writing during the backup").toBeGreaterThan(before);
    expect(result).toEqual({ source, out, bytes: fs.statSync(out).size });
    const copy = new BetterSqlite3(out, { readonly: true, fileMustExist: true });
    const rows = (copy.prepare("select count(*) as n from readings").get() as { n: number }).n;
    expect(rows).toBeGreaterThanOrEqual(before);
    expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
    // One self-contained file, nothing to carry along with it.
    expect(copy.pragma("journal_mode", { simple: true })).toBe("delete");
    copy.close();
    expect(fs.readdirSync(path.dirname(out))).toEqual(["copy.db"]);

    // Several steps of one snapshot: the writes between two steps did not restart the copy, which
    // would show as a repeated or smaller count, or a new total.
    expect(progress.length).toBeGreaterThan(2);
    expect(new Set(progress.map((p) => p.totalPages)).size).toBe(1);
    const done = progress.map((p) => p.donePages);
    for (const [i, pages] of done.entries()) if (i > 0) expect(pages).toBeGreaterThan(done[i - 1] ?? 0);
    const last = progress.at(-1);
    expect(last?.donePages).toBe(last?.totalPages);
    expect(last?.pageSize).toBe(4096);
  });

  it("leaves no -wal or -shm next to a database the gateway is not running on", async () => {
    dir = tempDir("parking-backup-");
    const source = path.join(dir, "parking.db");
    sqliteFile(source);
    await backupDatabase(source, path.join(dir, "copy.db"));
    expect(fs.readdirSync(dir).sort()).toEqual(["copy.db", "parking.db"]);
    expect(count(path.join(dir, "copy.db"), "t")).toBe(3);
  });

  it("refuses, and writes nothing, when the source is not a SQLite database", async () => {
    dir = tempDir("parking-backup-");
    const source = path.join(dir, "notes.txt");
    fs.writeFileSync(source, "a shopping list, not a database\n".repeat(200));
    const out = path.join(dir, "copy.db");
    await expect(backupDatabase(source, out)).rejects.toThrow(/not a SQLite database.*--db/);
    expect(fs.readdirSync(dir)).toEqual(["notes.txt"]);
  });

  it("refuses to run as root on a database the gateway's user owns (as anyone else, the check does not apply)", async () => {
    dir = tempDir("parking-backup-");
    const source = path.join(dir, "parking.db");
    sqliteFile(source);
    const attempt = backupDatabase(source, path.join(dir, "copy.db"));
    if (process.getuid?.() === 0) {
      fs.chownSync(source, 4242, 4242);
      const asRoot = backupDatabase(source, path.join(dir, "copy2.db"));
      await expect(asRoot).rejects.toBeInstanceOf(BackupError);
      await expect(asRoot).rejects.toThrow(/not as root.*sudo -u parking/);
    }
    // Before the chown (or not as root) the same file backs up fine.
    await expect(attempt).resolves.toBeDefined();
  });
});

describe("parking backup", () => {
  it("backs up a running gateway's database, and the copy holds its history", async () => {
    dir = tempDir("parking-backup-");
    const db = path.join(dir, "parking.db");
    const gateway = spawnParking([
      "gateway",
      "--simulate",
      "--db",
      db,
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
      "--mqtt-ws-port",
      "0",
      "--host",
      "127.0.0.1",
    ]);
    children.push(gateway.proc);
    const port = await gateway.httpPort;
    await eventually(
      async () => {
        const { body } = await getJson<{ count: number }>(`http://127.0.0.1:${port}/api/events?limit=5`);
        return body.count >= 5 ? true : undefined;
      },
      20_000,
      "the simulated lot's first changes",
    );

    const out = path.join(dir, "backups", "running.db");
    const run = parkingBackup(["--db", db, "--out", out]);

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^Backed up ${literal(db)} to ${literal(out)}: \\d+\\.\\d (KB|MB), integrity check ok\\.$`),
    );
    expect(count(out, "change_events")).toBeGreaterThanOrEqual(5);
    expect(count(out, "spots")).toBeGreaterThan(0);

    gateway.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
  }, 60_000);

  it("finds the database in PARKING_DB and writes to ./backups/parking-<time>.db", () => {
    dir = tempDir("parking-backup-");
    sqliteFile(path.join(dir, "from-env.db"));
    const run = parkingBackup([], { cwd: dir, env: { PARKING_DB: "from-env.db" } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const made = fs.readdirSync(path.join(dir, "backups"));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^parking-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.db$/);
    expect(count(path.join(dir, "backups", made[0] ?? ""), "t")).toBe(3);
  });

  it("refuses to overwrite a file, and leaves it as it was", () => {
    dir = tempDir("parking-backup-");
    const db = path.join(dir, "parking.db");
    const out = path.join(dir, "precious.db");
    sqliteFile(db);
    fs.writeFileSync(out, "yesterday's backup");
    const run = parkingBackup(["--db", db, "--out", out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${out} already exists: choose another --out (a backup never overwrites a file).`,
    );
    expect(fs.readFileSync(out, "utf8")).toBe("yesterday's backup");
  });

  it("says in one sentence that a missing database is set with --db", () => {
    dir = tempDir("parking-backup-");
    const db = path.join(dir, "nowhere.db");
    const run = parkingBackup(["--db", db, "--out", path.join(dir, "copy.db")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `There is no database at ${db}: point --db (or PARKING_DB) at the gateway's database file.`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("refuses a PostgreSQL URL with a sentence that says what to use", () => {
    const run = parkingBackup(["--db", "postgres://parking@db.local/parking", "--out", "unused.db"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "parking backup copies a SQLite file, and --db is a PostgreSQL URL: back up PostgreSQL with pg_dump instead.",
    );
  });
});

describe("backup output", () => {
  it("names the default backup by the UTC time, without colons", () => {
    expect(defaultOut(new Date("2025-01-31T09:30:05.123Z"))).toBe(
      path.join("backups", "parking-2025-01-31T09-30-05Z.db"),
    );
  });

  it("stays silent for a short backup and shows progress on a long one", () => {
    const written: string[] = [];
    let clock = 0;
    const out = { isTTY: false, write: (text: string) => written.push(text) };
    const quick = progressPrinter(out, () => clock);
    quick({ donePages: 0, totalPages: 10, pageSize: 4096 });
    quick({ donePages: 10, totalPages: 10, pageSize: 4096 });
    expect(written).toEqual([]);

    const slow = progressPrinter(out, () => clock);
    const total = 25_600;
    for (let done = 0; done <= total; done += 1024) {
      clock += 200;
      slow({ donePages: done, totalPages: total, pageSize: 4096 });
    }
    slow({ donePages: total, totalPages: total, pageSize: 4096 });
    expect(written[0]).toMatch(/^backing up \d+% \(\d+\.\d MB of 100\.0 MB\)\n$/);
    expect(written.at(-1)).toBe("backing up 100% (100.0 MB of 100.0 MB)\n");
    // In a log, one line per tenth at most.
    expect(written.length).toBeLessThanOrEqual(11);
  });

  it("redraws one line on a terminal", () => {
    const written: string[] = [];
    let clock = 0;
    const print = progressPrinter({ isTTY: true, write: (text: string) => written.push(text) }, () => clock);
    clock = 5_000;
    print({ donePages: 5, totalPages: 10, pageSize: 1_048_576 });
    print({ donePages: 10, totalPages: 10, pageSize: 1_048_576 });
    expect(written).toEqual([
      "\r\x1b[2Kbacking up 50% (5.0 MB of 10.0 MB)",
      "\r\x1b[2Kbacking up 100% (10.0 MB of 10.0 MB)\n",
    ]);
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
