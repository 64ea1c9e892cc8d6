import type { KyselyStore } from "./kyselyStore.js";
import { openPostgresStore } from "./postgres.js";
import { isPostgresUrl, openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";

export { InvalidCursorError, KyselyStore, MAX_HISTORY_LIMIT } from "./kyselyStore.js";
export { MigrationError, migrateToLatest, migrationProvider } from "./migrations.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
export type { Database } from "./schema.js";
export { isPostgresUrl, openSqliteStore, type SqliteStoreOptions, StoreOpenError } from "./sqlite.js";
export type * from "./types.js";

/**
 * Opens the store named by `--db` / `PARKING_DB`: a `postgres://` or `postgresql://` URL selects
 * PostgreSQL, anything else is a SQLite file path. Both run the same migrations at open.
 */
export async function openStore(db: string, options: SqliteStoreOptions = {}): Promise<KyselyStore> {
  // postgres.ts loads the pg driver itself, only when it is asked to open a URL.
  if (isPostgresUrl(db)) return openPostgresStore(db, options);
  return openSqliteStore(db, options);
}
