/**
 * Why a database file could not be opened, read or written, in words a person can act on:
 * the same few causes (permissions, a read-only disk, a full disk, not a database) reach both
 * the store and `parking backup`, from Node and from SQLite alike.
 */
export function fileErrorReason(err: unknown): string {
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  if (code === "EACCES" || code === "EPERM" || code === "SQLITE_PERM" || code === "SQLITE_AUTH") {
    return "permission denied";
  }
  if (code === "EROFS" || code.startsWith("SQLITE_READONLY")) return "read-only file or file system";
  // mkdir reports EEXIST when a parent of the path is a regular file.
  if (code === "ENOTDIR" || code === "EEXIST") return "a parent of the path is not a directory";
  if (code === "EISDIR") return "it is a directory";
  if (code === "ENOENT" || code.startsWith("SQLITE_CANTOPEN")) return "no such file, or it cannot be created";
  if (code === "SQLITE_NOTADB") return "the file is not a SQLite database";
  if (code === "ENOSPC" || code === "SQLITE_FULL") return "no space left on the device";
  if (code.startsWith("SQLITE_CORRUPT")) return "the database is corrupt";
  return err instanceof Error ? err.message : String(err);
}
