import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway } from "../../gateway/test/support/gateway.js";
import { REPO_ROOT } from "../../testkit/paths.js";
import { verifyPassword } from "../src/passwords.js";
import { parseCredentialsCsv } from "../src/users.js";
import { parking } from "./support/broker.js";

const dir = mkdtempSync(join(tmpdir(), "parking-mqtt-users-"));
writeFileSync(join(dir, "a-file"), "");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshOut = (): string => join(dir, `out-${++n}`);

function credentials(out: string): Map<string, string> {
  return parseCredentialsCsv(readFileSync(join(out, "credentials.csv"), "utf8"));
}

/** For --from-gateway: the gateway runs in this process, so the CLI must not block it. */
function parkingAsync(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "dist/cli/main.js"), ...args], (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

describe("parking mqtt-users (built CLI)", () => {
  it("writes passwd, acl and credentials.csv, readable only by their owner", () => {
    const out = freshOut();
    const run = parking("mqtt-users", "--zones", "Zone_A:8,Zone_B:6", "--out", out);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("14 nodes, gateway and viewer");
    for (const name of ["passwd", "acl", "credentials.csv"]) {
      expect(statSync(join(out, name)).mode & 0o777).toBe(0o600);
    }
    const passwords = credentials(out);
    expect(passwords.size).toBe(16);
    const lines = readFileSync(join(out, "passwd"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(16);
    for (const line of lines) {
      const [user = "", hash = ""] = line.split(/:(.*)/s);
      expect(verifyPassword(passwords.get(user) ?? "?", hash)).toBe(true);
    }
    expect(readFileSync(join(out, "credentials.csv"), "utf8")).toContain(
      `node-Zone_B-place_6,${passwords.get("node-Zone_B-place_6")},Zone_B,place_6\n`,
    );
    expect(readFileSync(join(out, "acl"), "utf8")).toContain(
      "user node-Zone_B-place_6\ntopic write parking/Zone_B/place_6\n",
    );
  });

  it("overwrites nothing without --force, and keeps known passwords with it", () => {
    const out = freshOut();
    expect(parking("mqtt-users", "--spots", "Z:a,b", "--out", out).status).toBe(0);
    const before = credentials(out);
    const acl = readFileSync(join(out, "acl"), "utf8");

    const refused = parking("mqtt-users", "--spots", "Z:a,b,c", "--out", out);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(`${join(out, "passwd")} already exists: pass --force to overwrite it.\n`);
    expect(readFileSync(join(out, "acl"), "utf8")).toBe(acl);

    const forced = parking("mqtt-users", "--spots", "Z:a,b,c", "--out", out, "--force");
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("(4 passwords kept from credentials.csv)");
    const after = credentials(out);
    expect(after.size).toBe(5);
    for (const [user, password] of before) expect(after.get(user)).toBe(password);
    expect(after.get("node-Z-c")).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it.each([
    [[], /^Give the spots with exactly one of --spots, --zones or --from-gateway\.$/],
    [["--spots", "Z:a", "--zones", "Z:2"], /^Give the spots .* \(got --spots and --zones\)\.$/],
    [["--zones", "Zone A:3"], /^--zones: "Zone A" is not a valid zone id/],
    [["--zones", "Zone_A"], /^--zones expects ZONE:COUNT pairs/],
    [["--spots", "gateway:a"], /^--spots: "gateway" is not a valid zone id/],
    [["--spots", "Z:a", "--topic-root", "a/+"], /^--topic-root "a\/\+" is not valid/],
    [["--spots", "Z:a", "--out", ""], /^--out is required/],
    [
      // A folder under a plain file: no user can create it. (Not /proc: Node's recursive mkdir
      // loops forever there.)
      ["--spots", "Z:a", "--out", join(dir, "a-file", "users")],
      /^--out: cannot write into .*a-file\/users \(ENOTDIR\); choose a folder/,
    ],
    [
      ["--from-gateway", "http://127.0.0.1:1"],
      /^--from-gateway: cannot reach http:\/\/127\.0\.0\.1:1\/api\/current/,
    ],
  ])("ends with one sentence naming the flag for %j", (args, message) => {
    const run = parking("mqtt-users", ...(args.includes("--out") ? args : [...args, "--out", freshOut()]));
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(message);
  });

  it("reads the spots a running gateway knows with --from-gateway", async () => {
    const gateway = await startTestGateway();
    try {
      const node = await mqtt.connectAsync(gateway.mqttUrl, { reconnectPeriod: 0 });
      await node.publishAsync("parking/North/p-1", '{"status":"free","confidence":1}', { qos: 1 });
      await node.publishAsync("parking/South/p-2", '{"status":"free","confidence":1}', { qos: 1 });
      await node.endAsync();
      await eventually(async () => {
        const { body } = await getJson<{ total: number }>(`${gateway.baseUrl}/api/current`);
        return body.total === 2 ? true : undefined;
      });
      const out = freshOut();
      const run = await parkingAsync("mqtt-users", "--from-gateway", `${gateway.baseUrl}/`, "--out", out);
      expect(run.code, run.stderr).toBe(0);
      expect([...credentials(out).keys()].sort()).toEqual([
        "gateway",
        "node-North-p-1",
        "node-South-p-2",
        "viewer",
      ]);
    } finally {
      await gateway.dispose();
    }
  });

  it("says when the gateway knows no spot yet", async () => {
    const gateway = await startTestGateway();
    try {
      const run = await parkingAsync("mqtt-users", "--from-gateway", gateway.baseUrl, "--out", freshOut());
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `--from-gateway: the gateway at ${gateway.baseUrl} knows no spot yet; list them with --spots or --zones.\n`,
      );
    } finally {
      await gateway.dispose();
    }
  });
});
