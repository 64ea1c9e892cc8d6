import { pbkdf2Sync, randomBytes } from "node:crypto";

/** Mosquitto 2's password hash: PBKDF2-HMAC-SHA512, marked `$7$` in its password file. */
export const HASH_ID = 7;
/** mosquitto_passwd's default iteration count; the count is stored in each line, so it may change. */
export const ITERATIONS = 101;
export const SALT_BYTES = 12;
export const HASH_BYTES = 64;

/** `$7$101$<base64 salt>$<base64 hash>`, the hash part of a mosquitto_passwd line. */
export function hashPassword(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const hash = pbkdf2Sync(Buffer.from(password, "utf8"), salt, ITERATIONS, HASH_BYTES, "sha512");
  return `$${HASH_ID}$${ITERATIONS}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** Whether `password` matches a `$7$` hash as mosquitto_passwd writes it (any iteration count). */
export function verifyPassword(password: string, hashed: string): boolean {
  const match = /^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hashed);
  if (match === null) return false;
  const [, iterations = "", salt = "", hash = ""] = match;
  const expected = Buffer.from(hash, "base64");
  const actual = pbkdf2Sync(
    Buffer.from(password, "utf8"),
    Buffer.from(salt, "base64"),
    Number(iterations),
    expected.length,
    "sha512",
  );
  return actual.equals(expected);
}

/** A mosquitto_passwd file: one `user:hash` line per user. User names must not contain `:`. */
export function passwordFile(users: readonly { user: string; password: string }[]): string {
  return users.map(({ user, password }) => `${user}:${hashPassword(password)}\n`).join("");
}

/**
 * 24 random URL-safe characters (144 bits): safe inside `mqtt://user:password@host` and in a
 * node's settings without quoting.
 */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
