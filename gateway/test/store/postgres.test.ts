import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MigrationError, openStore } from "../../src/store/index.js";
import type { KyselyStore } from "../../src/store/kyselyStore.js";
import { openPostgresStore, postgresOpenMessage } from "../../src/store/postgres.js";
import { StoreOpenError } from "../../src/store/sqlite.js";
import { type TestDatabase, useTestDatabase } from "../support/postgres.js";
import { batch, event, spot } from "./helpers.js";

const testDatabase = useTestDatabase();
let database: TestDatabase;
const stores: KyselyStore[] = [];

beforeEach(() => {
  database = testDatabase();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await database?.reset();
});

async function query<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    (store) => {
      stores.push(store as KyselyStore);
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

function withPath(url: string, pathname: string, password?: string): string {
  const u = new URL(url);
  u.pathname = pathname;
  if (password !== undefined) u.password = password;
  return u.toString();
}

describe("openPostgresStore", () => {
  it("creates the tables through the migrator, once: reopening keeps the data", async () => {
    const first = await openPostgresStore(database.url);
    stores.push(first);
    expect(first.engine).toBe("postgres");
    await first.commit(batch({ spots: [spot()], events: [event()] }));
    await first.close();

    const second = await openPostgresStore(database.url);
    stores.push(second);
    expect(await second.loadSpots()).toEqual([spot()]);
    const tables = await query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      "alerts",
      "change_events",
      "kysely_migration",
      "kysely_migration_lock",
      "occupancy_samples",
      "spots",
    ]);
    const applied = await query<{ name: string }>("select name from kysely_migration order by name");
    expect(applied.map((m) => m.name)).toEqual(["001_initial", "002_change_events_reported_at"]);
  });

  it("reads int8 as numbers without changing pg's global type parsers", async () => {
    const store = await openPostgresStore(database.url);
    stores.push(store);
    await store.commit(batch({ events: [event()] }));
    const [stored] = (await store.history({ limit: 1 })).events;
    expect(typeof stored?.id).toBe("number");
    expect(stored?.ts).toBe(event().ts);
    expect(pg.types.getTypeParser(20, "text")("12")).toBe("12");
  });

  it("opens read-only without migrating, and the server refuses writes", async () => {
    stores.push(await openPostgresStore(database.url));
    const reader = await openPostgresStore(database.url, { readonly: true });
    stores.push(reader);
    await expect(reader.commit(batch({ events: [event()] }))).rejects.toThrow(/read-only/);
  });

  it("reports a failed migration with the URL redacted and closes the pool", async () => {
    await query("create table spots (something_else text)");
    const err = await failure(openPostgresStore(withPath(database.url, `/${database.name}`, "s3cret")));
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.message).toContain("001_initial");
    expect(err.message).not.toContain("s3cret");
  });
});

describe("errors a person can act on", () => {
  it("names createdb when the database does not exist", async () => {
    const missing = withPath(database.url, `/${database.name}_missing`, "s3cret");
    const err = await failure(openStore(missing));
    expect(err).toBeInstanceOf(StoreOpenError);
    expect(err.message).toMatch(/^The PostgreSQL database "parking_test_\w+_missing" does not exist on /);
    expect(err.message).toContain(`create it with createdb -h `);
    expect(err.message).toContain("--db (PARKING_DB)");
    expect(err.message).not.toContain("s3cret");
  });

  it("says the server cannot be reached, naming host and port", async () => {
    const err = await failure(openStore("postgresql://parking:s3cret@127.0.0.1:1/parking"));
    expect(err).toBeInstanceOf(StoreOpenError);
    expect(err.message).toBe(
      "Cannot reach the PostgreSQL server at 127.0.0.1:1 (ECONNREFUSED): start it, or fix the host and port in --db (PARKING_DB).",
    );
  });

  it("says the login was refused, without the password", () => {
    const cause = Object.assign(new Error('password authentication failed for user "parking"'), {
      code: "28P01",
    });
    const message = postgresOpenMessage("postgres://parking:s3cret@db.local:6543/parking", cause);
    expect(message).toBe(
      'PostgreSQL at db.local:6543 refused user "parking" (password authentication failed for user "parking"): fix the user or password in --db (PARKING_DB).',
    );
  });

  it("falls back to pg's own words, with the URL redacted", () => {
    const url = "postgres://parking:s3cret@db.local/parking";
    const message = postgresOpenMessage(url, new Error(`something odd about ${url}`));
    expect(message).not.toContain("s3cret");
    expect(message).toMatch(
      /^Cannot open the PostgreSQL database at postgres:\/\/parking:\*\*\*@db\.local\/parking \(/,
    );
    expect(message).toMatch(/check --db \(PARKING_DB\)\.$/);
  });
});

describe("openStore", () => {
  it("opens PostgreSQL for a postgres:// or postgresql:// URL", async () => {
    const store = await openStore(database.url.replace(/^postgres:/, "postgresql:"));
    stores.push(store);
    expect(store.engine).toBe("postgres");
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
