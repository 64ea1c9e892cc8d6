import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { UserFacingError } from "../errors.js";
import { fileErrorReason } from "./fileErrors.js";
import { isPostgresUrl } from "./sqlite.js";

/** A backup that cannot be made or verified; the message says what to change. */
export class BackupError extends UserFacingError {
  override name = "BackupError";
}

export interface BackupProgress {
  donePages: number;
  totalPages: number;
  pageSize: number;
}

export interface BackupResult {
  /** Absolute paths. */
  source: string;
  out: string;
  bytes: number;
}

/**
 * Pages copied per step (4 MiB at SQLite's default page size): small enough for smooth
 * progress, large enough that stepping costs nothing.
 */
const STEP_PAGES = 1024;
/** A gateway commit holds the write lock for milliseconds; wait for it rather than fail. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Copies a SQLite database with SQLite's online backup, safe while the gateway writes to it,
 * then checks the copy with `PRAGMA integrity_check` before giving it its name.
 *
 * The copy is one consistent moment: a read transaction holds a WAL snapshot for the whole
 * backup, so the gateway's commits meanwhile neither block (WAL readers never block the writer)
 * nor restart the copy, which SQLite otherwise does whenever another connection writes between
 * two steps, so that under a busy gateway it might never finish.
 */
export async function backupDatabase(
  source: string,
  out: string,
  onProgress: (progress: BackupProgress) => void = () => {},
): Promise<BackupResult> {
  if (isPostgresUrl(source)) {
    throw new BackupError(
      "parking backup copies a SQLite file, and --db is a PostgreSQL URL: back up PostgreSQL with pg_dump instead.",
    );
  }
  const src = path.resolve(source);
  const dest = path.resolve(out);
  checkSource(src);
  refuseExisting(dest);
  makeFolder(path.dirname(dest));

  // Never under the final name until verified: a cut-off backup must not pass for a good one.
  const partial = `${dest}.partial`;
  fs.rmSync(partial, { force: true });
  try {
    await copy(src, partial, onProgress);
    verify(partial);
    refuseExisting(dest);
    fs.renameSync(partial, dest);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return { source: src, out: dest, bytes: fs.statSync(dest).size };
}

function checkSource(src: string): void {
  const stat = fs.statSync(src, { throwIfNoEntry: false });
  if (!stat) {
    throw new BackupError(
      `There is no database at ${src}: point --db (or PARKING_DB) at the gateway's database file.`,
    );
  }
  if (!stat.isFile()) {
    throw new BackupError(`${src} is not a file: point --db (or PARKING_DB) at the gateway's database file.`);
  }
  // SQLite creates the -wal and -shm files next to the database when they are missing; made by
  // root, they would be root's, and a gateway running as its own user could no longer open it.
  if (process.getuid?.() === 0 && stat.uid !== 0) {
    throw new BackupError(
      `Run parking backup as the owner of ${src} (uid ${stat.uid}), not as root, e.g. with sudo -u parking, so the files SQLite creates next to it stay readable by the gateway.`,
    );
  }
}

function refuseExisting(dest: string): void {
  if (fs.existsSync(dest)) {
    throw new BackupError(`${dest} already exists: choose another --out (a backup never overwrites a file).`);
  }
}

function makeFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (cause) {
    throw new BackupError(
      `Cannot write backups into ${dir} (${fileErrorReason(cause)}): choose another --out.`,
      {
        cause,
      },
    );
  }
}

async function copy(
  src: string,
  partial: string,
  onProgress: (progress: BackupProgress) => void,
): Promise<void> {
  const { db, pageSize } = openSnapshot(src);
  try {
    const done = await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress({ donePages: totalPages - remainingPages, totalPages, pageSize });
        return STEP_PAGES;
      },
    });
    onProgress({ donePages: done.totalPages, totalPages: done.totalPages, pageSize });
  } catch (cause) {
    throw new BackupError(`The backup of ${src} failed (${fileErrorReason(cause)}); nothing was written.`, {
      cause,
    });
  } finally {
    if (db.inTransaction) db.exec("commit");
    db.close();
  }
}

/** Opens the source and holds a read transaction on it: the moment the backup will copy. */
function openSnapshot(src: string): { db: BetterSqlite3.Database; pageSize: number } {
  let db: BetterSqlite3.Database | undefined;
  try {
    // Read-write (it writes nothing), so that when it is the last connection its close folds
    // the WAL back and removes the -wal and -shm files it may have created.
    db = new BetterSqlite3(src, { fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const pageSize = Number(db.pragma("page_size", { simple: true }));
    db.exec("begin");
    // BEGIN is deferred: the first read is what takes the snapshot (and finds a non-database).
    db.prepare("select count(*) from sqlite_master").get();
    return { db, pageSize };
  } catch (cause) {
    db?.close();
    throw new BackupError(
      `Cannot read the database at ${src} (${fileErrorReason(cause)}): point --db (or PARKING_DB) at the gateway's database file.`,
      { cause },
    );
  }
}

function verify(partial: string): void {
  let problems: string[];
  try {
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    try {
      // The copy inherits WAL mode; a rollback journal makes it one self-contained file to move
      // around. The gateway turns WAL back on when it opens a restored copy.
      copy.pragma("journal_mode = DELETE");
      const rows = copy.pragma("integrity_check") as { integrity_check: string }[];
      problems = rows.map((row) => row.integrity_check);
    } finally {
      copy.close();
    }
  } catch (cause) {
    throw new BackupError(`The copy could not be checked (${fileErrorReason(cause)}); nothing was written.`, {
      cause,
    });
  }
  if (problems.length !== 1 || problems[0] !== "ok") {
    throw new BackupError(
      `The copy failed its integrity check (${problems.slice(0, 3).join("; ")}), so the database itself is probably damaged; nothing was written.`,
    );
  }
}
