import path from "node:path";
import type { Command } from "commander";
import { SETTINGS } from "../gateway/src/config/settings.js";
import { type BackupProgress, backupDatabase } from "../gateway/src/store/backup.js";

interface BackupFlags {
  db?: string;
  out?: string;
}

interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** The gateway's own --db setting, so a backup finds the database the gateway writes. */
const DB_SETTING = SETTINGS.find((spec) => spec.key === "db");
/** Backups shorter than this finish without a progress line. */
const QUIET_MS = 1_000;

/** `parking backup`: a verified copy of the gateway's SQLite database, safe while it runs. */
export function backupCommand(program: Command): void {
  const env = DB_SETTING?.env ?? "PARKING_DB";
  const defaultDb = String(DB_SETTING?.default ?? "./data/parking.db");
  program
    .command("backup")
    .description("Copy the gateway's SQLite database while it runs, verify the copy and print its size")
    .option("--db <file>", `database to back up [env ${env}; default ${defaultDb}]`)
    .option("--out <file>", "backup to create, never overwritten [default ./backups/parking-<UTC time>.db]")
    .action(async (flags: BackupFlags) => {
      const fromEnv = process.env[env];
      const db = flags.db ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : defaultDb);
      const out = flags.out ?? defaultOut(new Date());
      const result = await backupDatabase(db, out, progressPrinter(process.stderr, Date.now));
      console.log(`Backed up ${result.source} to ${result.out}: ${size(result.bytes)}, integrity check ok.`);
    });
}

/** `./backups/parking-2025-01-31T09-30-00Z.db`: ISO 8601 in UTC, with `-` for `:`, which some file systems refuse. */
export function defaultOut(now: Date): string {
  const stamp = `${now.toISOString().slice(0, 19).replace(/:/g, "-")}Z`;
  return path.join("backups", `parking-${stamp}.db`);
}

/**
 * Silent for a backup that takes under a second. Then a line redrawn in place on a terminal,
 * or one line per tenth in a log (a systemd timer's journal), where `\r` does not redraw.
 */
export function progressPrinter(out: ProgressOutput, now: () => number): (progress: BackupProgress) => void {
  const started = now();
  let shown = false;
  let lastTenth = -1;
  return ({ donePages, totalPages, pageSize }) => {
    const finished = donePages >= totalPages;
    if (!shown && (finished || now() - started < QUIET_MS)) return;
    shown = true;
    const share = totalPages === 0 ? 1 : donePages / totalPages;
    const text = `backing up ${Math.floor(share * 100)}% (${size(donePages * pageSize)} of ${size(totalPages * pageSize)})`;
    if (out.isTTY) {
      out.write(`\r\x1b[2K${text}${finished ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    out.write(`${text}\n`);
  };
}

function size(bytes: number): string {
  if (bytes < 1_048_576) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}
