import { describe, expect, it } from "vitest";
import { exportFilename } from "../../src/export/filename.js";

const JAN_11 = Date.UTC(2026, 0, 11);
const JAN_12 = Date.UTC(2026, 0, 12);

describe("exportFilename", () => {
  it("names the range in UTC days and the zone", () => {
    expect(exportFilename("csv", { from: JAN_11, to: JAN_12 }, "Zone_A")).toBe(
      "parking-history-2026-01-11_2026-01-12-Zone_A.csv",
    );
  });

  it("names open ranges", () => {
    expect(exportFilename("xlsx", {})).toBe("parking-history-all.xlsx");
    expect(exportFilename("xlsx", { from: JAN_11 })).toBe("parking-history-from-2026-01-11.xlsx");
    expect(exportFilename("csv", { to: JAN_12 })).toBe("parking-history-to-2026-01-12.csv");
  });

  it("keeps only safe characters from the zone", () => {
    const name = exportFilename("csv", { from: JAN_11, to: JAN_12 }, 'Zone A/../"x";\r\né');
    expect(name).toBe("parking-history-2026-01-11_2026-01-12-Zone_A_x_.csv");
    expect(name).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it("caps the zone's length", () => {
    expect(exportFilename("csv", {}, "z".repeat(200))).toBe(`parking-history-all-${"z".repeat(32)}.csv`);
  });
});
