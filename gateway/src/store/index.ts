import type { KyselyStore } from "./kyselyStore.js";
import { isPostgresUrl, openSqliteStore, type SqliteStoreOptions, StoreOpenError } from "./sqlite.js";

export { InvalidCursorError, KyselyStore, MAX_HISTORY_LIMIT } from "./kyselyStore.js";
export { MigrationError, migrateToLatest, migrationProvider } from "./migrations.js";
export type { Database } from "./schema.js";
export { isPostgresUrl, openSqliteStore, type SqliteStoreOptions, StoreOpenError } from "./sqlite.js";
export type * from "./types.js";

/**
 * Opens the store named by `--db` / `PARKING_DB`: a file path selects SQLite, a `postgres://` URL
 * PostgreSQL (not in this build yet).
 */
export async function openStore(db: string, options: SqliteStoreOptions = {}): Promise<KyselyStore> {
  if (isPostgresUrl(db)) {
    // The URL is left out of the message on purpose: it usually carries a password.
    throw new StoreOpenError(
      "PostgreSQL support is not available in this build: use a SQLite file path with --db or PARKING_DB.",
    );
  }
  return openSqliteStore(db, options);
}
