import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/settings.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it.each(SETTINGS.map((s) => [s.flag, s.env]))("documents %s and %s", (flag, env) => {
    expect(readme).toContain(`\`${flag}`);
    expect(readme).toContain(`\`${env}\``);
  });

  it("gives the two commands", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
  });
});
