import pg from "pg";

/** The server the PostgreSQL benchmark uses; each run makes and drops its own database on it. */
export const BENCH_PG_URL = process.env.PARKING_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

/** Runs one statement on the server's admin database; a server that cannot be reached throws, naming it. */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (cause) {
    const shown = BENCH_PG_URL.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@");
    throw new Error(
      `the PostgreSQL benchmark needs a server at ${shown} (${(cause as Error).message}): start PostgreSQL or set PARKING_BENCH_PG_URL`,
      { cause },
    );
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE parking_bench_<pid>_<random>: a throwaway database for one run. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `parking_bench_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin(`create database ${name}`);
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}
