import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { describe, expect, it } from "vitest";
import { MigrationError, openStore } from "../../src/store/index.js";
import { migrations } from "../../src/store/migrations.js";
import { isPostgresUrl, openSqliteStore, StoreOpenError } from "../../src/store/sqlite.js";
import { batch, event, spot, useTempDir } from "./helpers.js";

const tmp = useTempDir();

function inspect<T>(file: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function tableNames(file: string): string[] {
  return inspect(file, (db) =>
    db
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .all()
      .map((r) => (r as { name: string }).name),
  );
}

async function openError(promise: Promise<unknown>): Promise<StoreOpenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreOpenError);
  return err as StoreOpenError;
}

describe("openSqliteStore", () => {
  it("creates the parent directory and the tables, in WAL mode", async () => {
    const file = path.join(tmp.dir(), "nested", "deeper", "parking.db");
    const store = tmp.track(await openSqliteStore(file));
    expect(store.engine).toBe("sqlite");
    await store.ping();
    expect(tableNames(file)).toEqual(
      expect.arrayContaining(["alerts", "change_events", "kysely_migration", "occupancy_samples", "spots"]),
    );
    expect(inspect(file, (db) => db.pragma("journal_mode", { simple: true }))).toBe("wal");
    const indexes = inspect(file, (db) =>
      db
        .prepare("select name from sqlite_master where type = 'index' and name not like 'sqlite_%'")
        .all()
        .map((r) => (r as { name: string }).name),
    );
    expect(indexes).toEqual(
      expect.arrayContaining([
        "change_events_ts",
        "change_events_zone_ts",
        "change_events_zone_spot_ts",
        "occupancy_samples_scope_ts",
        "alerts_ts",
      ]),
    );
  });

  it("runs migrations once: reopening is idempotent and keeps the data", async () => {
    const file = path.join(tmp.dir(), "parking.db");
    const first = await openSqliteStore(file);
    await first.commit(batch({ spots: [spot()], events: [event()] }));
    await first.close();
    await first.close(); // idempotent

    const second = tmp.track(await openSqliteStore(file));
    await second.migrate();
    expect(await second.loadSpots()).toEqual([spot()]);
    expect((await second.history({ limit: 10 })).events).toHaveLength(1);
    const applied = inspect(file, (db) => db.prepare("select name from kysely_migration").all());
    expect(applied).toEqual([{ name: "001_initial" }, { name: "002_change_events_reported_at" }]);
  });

  it("upgrades a database made by the first migration: old events read back without a node time", async () => {
    const file = path.join(tmp.dir(), "old.db");
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    try {
      const first = Object.fromEntries(Object.entries(migrations).filter(([name]) => name === "001_initial"));
      const migrator = new Migrator({ db: old, provider: { getMigrations: async () => first } });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
    } finally {
      await old.destroy();
    }
    const columns = (db: BetterSqlite3.Database) =>
      (db.pragma("table_info(change_events)") as Array<{ name: string }>).map((c) => c.name);
    expect(inspect(file, columns)).not.toContain("reported_at");
    const raw = new BetterSqlite3(file);
    raw
      .prepare(
        `insert into change_events (ts, zone, spot, state, previous, confidence, distance_cm, seq, source)
         values (?, 'A', '01', 'occupied', 'free', 0.9, 40, 1, 'mqtt')`,
      )
      .run(1_700_000_000_000);
    raw.close();

    const store = tmp.track(await openSqliteStore(file));
    expect(inspect(file, columns)).toContain("reported_at");
    const newer = event({ ts: 1_700_000_001_000, seq: 2, reportedAt: 1_700_000_000_900 });
    await store.commit(batch({ events: [newer] }));
    const { events } = await store.history({ limit: 10 });
    expect(events.map(({ id: _id, ...rest }) => rest)).toEqual([newer, event({ reportedAt: null })]);
  });

  it("names --db and PARKING_DB when a parent of the path is a regular file", async () => {
    const file = path.join(tmp.dir(), "file.txt");
    fs.writeFileSync(file, "not a directory");
    const dbPath = path.join(file, "parking.db");
    const err = await openError(openSqliteStore(dbPath));
    expect(err.name).toBe("StoreOpenError");
    expect(err.message).toContain(dbPath);
    expect(err.message).toContain("--db");
    expect(err.message).toContain("PARKING_DB");
    expect(err.message).toMatch(
      /^Cannot open the database at .*: choose a writable path with --db or PARKING_DB\.$/,
    );
    expect(err.cause).toBeDefined();
  });

  it("refuses a directory", async () => {
    const dir = path.join(tmp.dir(), "a-directory");
    fs.mkdirSync(dir);
    const err = await openError(openSqliteStore(dir));
    expect(err.message).toBe(
      `Cannot open the database at ${dir} (it is a directory): choose a writable path with --db or PARKING_DB.`,
    );
  });

  it("refuses a file that is not a database", async () => {
    const file = path.join(tmp.dir(), "notes.db");
    fs.writeFileSync(file, "this is plain text, certainly not SQLite\n".repeat(50));
    const err = await openError(openSqliteStore(file));
    expect(err.message).toContain("not a SQLite database");
    expect(err.message).toContain("--db");
  });

  it("reports a failed migration clearly and closes the database", async () => {
    const file = path.join(tmp.dir(), "foreign.db");
    const raw = new BetterSqlite3(file);
    raw.exec("create table spots (something_else text)");
    raw.close();
    const err = await openSqliteStore(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).name).toBe("MigrationError");
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain("001_initial");
    expect((err as Error).message).toContain("spots");
    // Nothing of the failed migration is left behind: it ran in a transaction.
    expect(tableNames(file)).not.toContain("change_events");
  });

  it("opens read-only without migrating, and refuses a missing file", async () => {
    const file = path.join(tmp.dir(), "parking.db");
    const writer = tmp.track(await openSqliteStore(file));
    await writer.commit(batch({ events: [event()] }));
    const reader = tmp.track(await openSqliteStore(file, { readonly: true }));
    expect((await reader.history({ limit: 5 })).events).toHaveLength(1);
    await expect(reader.commit(batch({ events: [event()] }))).rejects.toThrow(/readonly/);

    const err = await openError(openSqliteStore(path.join(tmp.dir(), "missing.db"), { readonly: true }));
    expect(err.message).toContain("choose an existing database with --db or PARKING_DB.");
  });
});

describe("openStore", () => {
  it("opens SQLite for a path", async () => {
    const store = tmp.track(await openStore(path.join(tmp.dir(), "x.db")));
    expect(store.engine).toBe("sqlite");
  });
});

describe("isPostgresUrl", () => {
  it("recognises postgres:// and postgresql:// only", () => {
    expect(isPostgresUrl("postgres://u@h/db")).toBe(true);
    expect(isPostgresUrl("postgresql://h:5432/db")).toBe(true);
    expect(isPostgresUrl("PostgreSQL://h/db")).toBe(true);
    expect(isPostgresUrl("./data/parking.db")).toBe(false);
    expect(isPostgresUrl("postgres.db")).toBe(false);
    expect(isPostgresUrl("mysql://h/db")).toBe(false);
    expect(isPostgresUrl("/srv/postgres://x")).toBe(false);
  });
});
