import { Kysely, PostgresDialect } from "kysely";
import type { Pool } from "pg";
import { redactUrl } from "../config/settings.js";
import { KyselyStore } from "./kyselyStore.js";
import { MigrationError } from "./migrations.js";
import type { Database } from "./schema.js";
import { StoreOpenError } from "./sqlite.js";

export interface PostgresStoreOptions {
  /** Read only (exports, inspection): no migrations, and the server refuses every write. */
  readonly?: boolean;
  /** Connections in the pool: one ingest writer and a few API readers need few. */
  poolSize?: number;
}

/** int8 (bigint, count(*)): epoch ms, ids and counts all stay far below 2^53. */
const INT8_OID = 20;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens PostgreSQL at `url` and runs the same migrations as SQLite. `pg` is imported here, on
 * demand, so a SQLite gateway never loads it.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<KyselyStore> {
  const { default: pg } = await import("pg");
  // On this pool's own type table, not pg's global one: int8 as a number rather than a string.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (text: string) => Number(text));
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types,
    ...(options.readonly ? { options: "-c default_transaction_read_only=on" } : {}),
  });
  // An idle connection the server drops (restart, failover) must not crash the gateway: the
  // pool discards it, and the next query opens a new one or reports the failure itself.
  pool.on("error", () => {});

  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new StoreOpenError(postgresOpenMessage(url, cause), { cause });
  }

  const store = new KyselyStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), "postgres");
  if (options.readonly) return store;
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    if (err instanceof MigrationError) {
      throw new MigrationError(
        `Cannot migrate the PostgreSQL database at ${redactUrl(url)}: ${err.message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
  return store;
}

/** One sentence a person can act on, naming --db (PARKING_DB), the password never shown. */
export function postgresOpenMessage(url: string, err: unknown): string {
  const shown = redactUrl(url);
  const target = describeTarget(url);
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case "3D000":
      return `The PostgreSQL database "${target.database}" does not exist on ${target.server}: create it with createdb ${target.createdbArgs}, or name another in --db (PARKING_DB).`;
    case "28P01":
    case "28000":
      return `PostgreSQL at ${target.server} refused user "${target.user}" (${detail}): fix the user or password in --db (PARKING_DB).`;
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
    case "ECONNRESET":
      return `Cannot reach the PostgreSQL server at ${target.server} (${code}): start it, or fix the host and port in --db (PARKING_DB).`;
  }
  // A connection timeout from the pool carries no code, only this message.
  if (/timeout/i.test(detail)) {
    return `Cannot reach the PostgreSQL server at ${target.server} (no answer within ${CONNECT_TIMEOUT_MS / 1000} s): start it, or fix the host and port in --db (PARKING_DB).`;
  }
  return `Cannot open the PostgreSQL database at ${shown} (${detail.replaceAll(url, shown)}): check --db (PARKING_DB).`;
}

function describeTarget(url: string): {
  server: string;
  database: string;
  user: string;
  createdbArgs: string;
} {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Left undefined: the message falls back to pg's defaults.
  }
  const host = decodeURIComponent(parsed?.hostname ?? "") || "localhost";
  const port = parsed?.port || "5432";
  const user =
    decodeURIComponent(parsed?.username ?? "") || process.env.PGUSER || process.env.USER || "postgres";
  const database = decodeURIComponent(parsed?.pathname.slice(1) ?? "") || user;
  const args = [`-h ${host}`];
  if (port !== "5432") args.push(`-p ${port}`);
  args.push(`-U ${user}`, database);
  return { server: `${host}:${port}`, database, user, createdbArgs: args.join(" ") };
}
