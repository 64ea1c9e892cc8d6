import {
  type CreateTableBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  PostgresAdapter,
} from "kysely";
import { UserFacingError } from "../errors.js";

/** A migration failed or the recorded migrations do not match this build. */
export class MigrationError extends UserFacingError {
  override name = "MigrationError";
}

/** The one place where the schema depends on the dialect. */
function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Autoincrement primary key `id`. SQLite's AUTOINCREMENT (not a plain rowid alias) guarantees
 * ids are never reused after a prune, so history cursors and exports stay monotonic.
 */
function withId<T extends string>(
  db: Kysely<unknown>,
  table: CreateTableBuilder<T, never>,
): CreateTableBuilder<T, "id"> {
  return isPostgres(db)
    ? table.addColumn("id", "bigserial", (col) => col.primaryKey())
    : table.addColumn("id", "integer", (col) => col.primaryKey().autoIncrement());
}

// Migrations take Kysely<unknown>: they must not depend on the current Database type, which
// describes the latest schema, not the one a given migration sees.
const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("spots")
      .addColumn("zone", "text", (col) => col.notNull())
      .addColumn("spot", "text", (col) => col.notNull())
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("online", "integer", (col) => col.notNull())
      .addColumn("confidence", "double precision", (col) => col.notNull())
      .addColumn("distance_cm", "double precision")
      .addColumn("seq", "bigint")
      .addColumn("reported_at", "bigint")
      .addColumn("last_seen", "bigint", (col) => col.notNull())
      .addColumn("last_change", "bigint", (col) => col.notNull())
      .addColumn("fw", "text")
      .addColumn("rssi", "double precision")
      .addColumn("battery_v", "double precision")
      .addPrimaryKeyConstraint("spots_pkey", ["zone", "spot"])
      .execute();

    await withId(db, db.schema.createTable("change_events"))
      .addColumn("ts", "bigint", (col) => col.notNull())
      .addColumn("zone", "text", (col) => col.notNull())
      .addColumn("spot", "text", (col) => col.notNull())
      .addColumn("state", "text", (col) => col.notNull())
      .addColumn("previous", "text")
      .addColumn("confidence", "double precision", (col) => col.notNull())
      .addColumn("distance_cm", "double precision")
      .addColumn("seq", "bigint")
      .addColumn("source", "text", (col) => col.notNull())
      .execute();
    // History is read newest first and exports oldest first in (ts, id) order, with keyset cursors
    // on (ts, id). Every filter combination (none, zone, zone + spot, each with a ts range) therefore
    // has an index whose order is the answer's order: a page never sorts the whole range. The
    // trailing id is implicit in SQLite (rowid) but spelled out for PostgreSQL.
    await db.schema.createIndex("change_events_ts").on("change_events").columns(["ts", "id"]).execute();
    await db.schema
      .createIndex("change_events_zone_ts")
      .on("change_events")
      .columns(["zone", "ts", "id"])
      .execute();
    await db.schema
      .createIndex("change_events_zone_spot_ts")
      .on("change_events")
      .columns(["zone", "spot", "ts", "id"])
      .execute();

    await withId(db, db.schema.createTable("alerts"))
      .addColumn("ts", "bigint", (col) => col.notNull())
      .addColumn("scope", "text", (col) => col.notNull())
      .addColumn("level", "text", (col) => col.notNull())
      .addColumn("previous", "text", (col) => col.notNull())
      .addColumn("occupancy_rate", "double precision", (col) => col.notNull())
      .execute();
    await db.schema.createIndex("alerts_ts").on("alerts").columns(["ts", "id"]).execute();

    // No id: samples are only ever read by (scope, ts) range and deleted by ts.
    await db.schema
      .createTable("occupancy_samples")
      .addColumn("ts", "bigint", (col) => col.notNull())
      .addColumn("scope", "text", (col) => col.notNull())
      .addColumn("total", "integer", (col) => col.notNull())
      .addColumn("free", "integer", (col) => col.notNull())
      .addColumn("occupied", "integer", (col) => col.notNull())
      .addColumn("offline", "integer", (col) => col.notNull())
      .addColumn("unknown", "integer", (col) => col.notNull())
      .addColumn("occupancy_rate", "double precision", (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex("occupancy_samples_scope_ts")
      .on("occupancy_samples")
      .columns(["scope", "ts"])
      .execute();
    // For prune, which deletes by ts across all scopes; samples arrive a few per second, so cheap.
    await db.schema.createIndex("occupancy_samples_ts").on("occupancy_samples").column("ts").execute();
  },

  async down(db: Kysely<unknown>) {
    for (const table of ["occupancy_samples", "alerts", "change_events", "spots"]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

/**
 * The node's own timestamp of the report behind each change. Nullable, without a default: rows
 * written before it read back as null, which is also what a change no report caused stores.
 */
const changeEventsReportedAt: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("change_events").addColumn("reported_at", "bigint").execute();
  },

  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("change_events").dropColumn("reported_at").execute();
  },
};

/** In code rather than FileMigrationProvider: the gateway runs compiled from dist/. Names sort in order. */
export const migrations: Readonly<Record<string, Migration>> = {
  "001_initial": initial,
  "002_change_events_reported_at": changeEventsReportedAt,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};

/** Runs every pending migration; throws MigrationError naming the migration that failed. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const resultSet = await migrator.migrateToLatest();
  if (resultSet.error !== undefined) {
    const failed = resultSet.results?.find((r) => r.status === "Error");
    const cause = resultSet.error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const what = failed ? `migration ${failed.migrationName}` : "migration";
    throw new MigrationError(`Database ${what} failed: ${reason}`, { cause });
  }
  return resultSet;
}
