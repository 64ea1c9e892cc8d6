import pg from "pg";
import { afterAll, beforeAll, beforeEach } from "vitest";

/** The server the PostgreSQL tests use; each run makes and drops its own databases on it. */
export const TEST_PG_URL = process.env.PARKING_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  name: string;
  /** Empties the database (its public schema, migration records included) for the next test. */
  reset(): Promise<void>;
  /** Connections open to the database now, other than the one asking. */
  connections(): Promise<number>;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** Runs one statement on the admin database (or on `url`); a server that cannot be reached fails the test, never skips it. */
async function admin(statement: string, url = TEST_PG_URL): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (cause) {
    const url = TEST_PG_URL.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@");
    throw new Error(
      `The PostgreSQL tests need a server at ${url} (${(cause as Error).message}): start PostgreSQL (.ci/run does) or set PARKING_TEST_PG_URL.`,
      { cause },
    );
  }
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE parking_test_<pid>_<random> on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `parking_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async reset() {
      await admin("drop schema public cascade; create schema public", url.toString());
    },
    async connections() {
      const rows = await admin(`select count(*)::int as n from pg_stat_activity where datname = '${name}'`);
      return (rows[0] as { n: number }).n;
    },
    async drop() {
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/**
 * One fresh database for the enclosing describe (or file): made in beforeAll, dropped in afterAll.
 * If the server cannot be reached, every test fails with the reason (a beforeEach rethrows it)
 * rather than being reported as skipped.
 */
export function useTestDatabase(): () => TestDatabase {
  let database: TestDatabase | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      database = await createTestDatabase();
    } catch (err) {
      failure = err;
    }
  });
  beforeEach(() => {
    if (failure !== undefined) throw failure;
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (database === undefined) throw failure ?? new Error("the PostgreSQL test database is not created yet");
    return database;
  };
}
