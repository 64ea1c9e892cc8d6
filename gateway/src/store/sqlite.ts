import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { UserFacingError } from "../errors.js";
import { fileErrorReason } from "./fileErrors.js";
import { KyselyStore } from "./kyselyStore.js";
import { MigrationError } from "./migrations.js";
import type { Database } from "./schema.js";

/** The database cannot be opened or written at the configured path; the message says what to change. */
export class StoreOpenError extends UserFacingError {
  override name = "StoreOpenError";
}

export interface SqliteStoreOptions {
  /** Open an existing database for reading only (exports, inspection): no migrations, no writes. */
  readonly?: boolean;
}

/** Waits for another process's write lock (a CLI export, a backup) instead of failing at once. */
const BUSY_TIMEOUT_MS = 5_000;

/** `postgres://` or `postgresql://` (scheme case-insensitive), which selects PostgreSQL instead of a file. */
export function isPostgresUrl(s: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(s);
}

export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<KyselyStore> {
  const readonly = options.readonly ?? false;
  const database = openDatabase(file, readonly);
  const store = new KyselyStore(new Kysely<Database>({ dialect: dialectFor(database) }), "sqlite");
  if (readonly) return store;
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    if (err instanceof MigrationError) {
      throw new MigrationError(`Cannot migrate the database at ${displayPath(file)}: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
  return store;
}

/**
 * SQLite rolls a transaction back by itself after some errors (SQLITE_FULL, SQLITE_IOERR); Kysely's
 * ROLLBACK then fails with "no transaction is active", and that error would hide the real one
 * (a full disk) from the log and /api/health.
 */
function dialectFor(database: BetterSqlite3.Database): SqliteDialect {
  const dialect = new SqliteDialect({ database });
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = () => {
    const driver = createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (database.inTransaction) await rollback(connection);
    };
    return driver;
  };
  return dialect;
}

/** SQLite page cache per connection, KiB (a negative cache_size is KiB, a positive one pages). */
const PAGE_CACHE_KIB = 4096;

function openDatabase(file: string, readonly: boolean): BetterSqlite3.Database {
  const memory = file === ":memory:";
  let db: BetterSqlite3.Database | undefined;
  try {
    if (!memory) checkPath(file, readonly);
    db = new BetterSqlite3(file, { readonly, fileMustExist: readonly });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection; on a Pi that is memory
    // the lot needs more. 4 MiB still holds the hot pages; the hourly statistics read a month of
    // samples and take about 2 ms more (bench C).
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    if (readonly) {
      // Opening is lazy: the first read is what finds a file that is not a database.
      db.prepare("select count(*) from sqlite_master").get();
      return db;
    }
    // WAL: readers (API, exports) never block the ingest writer, and commits append instead of
    // rewriting pages. synchronous = FULL also fsyncs the WAL at each commit, so an acknowledged
    // report survives power loss; batching many reports per commit keeps that affordable.
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (!memory && mode !== "wal")
      throw new Error(`the file system does not support WAL (journal mode ${mode})`);
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    probeWrite(db);
    return db;
  } catch (cause) {
    db?.close();
    const fix = readonly
      ? "choose an existing database with --db or PARKING_DB."
      : "choose a writable path with --db or PARKING_DB.";
    throw new StoreOpenError(
      `Cannot open the database at ${displayPath(file)} (${fileErrorReason(cause)}): ${fix}`,
      {
        cause,
      },
    );
  }
}

/** Fails early, with the real reason, where SQLite would only say "unable to open database file". */
function checkPath(file: string, readonly: boolean): void {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: "EISDIR" });
  if (readonly) return;
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  // WAL creates -wal and -shm files next to the database, so the directory must be writable too.
  fs.accessSync(dir, fs.constants.W_OK);
  if (stat) fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
}

/**
 * SQLite silently opens a file it may not write as read-only; a rolled-back DDL statement is the
 * cheapest way to find out now rather than at the first ingest commit.
 */
function probeWrite(db: BetterSqlite3.Database): void {
  try {
    db.exec("begin; create table _store_write_probe (x integer)");
  } finally {
    if (db.inTransaction) db.exec("rollback");
  }
}

function displayPath(file: string): string {
  return file === ":memory:" ? file : path.resolve(file);
}
