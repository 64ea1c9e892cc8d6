import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  generatePassword,
  HASH_BYTES,
  hashPassword,
  passwordFile,
  SALT_BYTES,
  verifyPassword,
} from "../src/passwords.js";

const dir = mkdtempSync(join(tmpdir(), "parking-passwd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mosquittoPasswd(): string {
  for (const d of (process.env.PATH ?? "").split(":").concat(["/usr/bin", "/usr/sbin"])) {
    if (d !== "" && existsSync(join(d, "mosquitto_passwd"))) return join(d, "mosquitto_passwd");
  }
  throw new Error(
    "mosquitto_passwd is not installed: this test checks hashes against it (apt-get install mosquitto).",
  );
}

/** The hash mosquitto_passwd itself writes for `password`. */
function realHash(password: string): string {
  const file = join(dir, `passwd-${Math.random().toString(36).slice(2)}`);
  const run = spawnSync(mosquittoPasswd(), ["-b", "-c", file, "someone", password], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  const line = readFileSync(file, "utf8").trim();
  expect(line.startsWith("someone:")).toBe(true);
  return line.slice("someone:".length);
}

function parts(hash: string): { salt: Buffer; digest: Buffer } {
  const [, id, iterations, salt = "", digest = ""] = hash.split("$");
  expect([id, iterations]).toEqual(["7", "101"]);
  return { salt: Buffer.from(salt, "base64"), digest: Buffer.from(digest, "base64") };
}

describe("hashPassword", () => {
  it("writes Mosquitto 2's PBKDF2-SHA512 form: $7$101$, a 12-byte salt and a 64-byte hash", () => {
    const hash = hashPassword("s3cret");
    expect(hash).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    const { salt, digest } = parts(hash);
    expect(salt.length).toBe(SALT_BYTES);
    expect(digest.length).toBe(HASH_BYTES);
  });

  it("draws a new salt each time", () => {
    expect(hashPassword("same")).not.toBe(hashPassword("same"));
  });

  it.each(["s3cret", "pässwörd ☂", generatePassword()])(
    "gives mosquitto_passwd's hash for %j with its salt",
    (password) => {
      const real = realHash(password);
      expect(hashPassword(password, parts(real).salt)).toBe(real);
      expect(verifyPassword(password, real)).toBe(true);
      expect(verifyPassword(`${password}x`, real)).toBe(false);
    },
  );

  it("refuses to verify against anything but a $7$ hash", () => {
    expect(verifyPassword("pw", "$6$abc$def")).toBe(false);
    expect(verifyPassword("pw", "pw")).toBe(false);
  });
});

describe("passwordFile", () => {
  it("writes one user:hash line per user", () => {
    const text = passwordFile([
      { user: "gateway", password: "a" },
      { user: "node-Zone_A-place_1", password: "b" },
    ]);
    const lines = text.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    const [user, hash = ""] = (lines[1] ?? "").split(/:(.*)/s);
    expect(user).toBe("node-Zone_A-place_1");
    expect(verifyPassword("b", hash)).toBe(true);
  });
});

describe("generatePassword", () => {
  it("gives 24 URL-safe characters, different each time", () => {
    const passwords = new Set(Array.from({ length: 100 }, generatePassword));
    expect(passwords.size).toBe(100);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
