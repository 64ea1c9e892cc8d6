import { describe, expect, it } from "vitest";
import { decodeSerialLine } from "../src/serial.js";

describe("decodeSerialLine", () => {
  it("reads a node's line as the report of the spot it names", () => {
    const result = decodeSerialLine(
      "parking",
      '{"zone":"Zone_A","spot":"place_3","status":"occupied","confidence":0.9,"seq":4}',
    );
    expect(result).toEqual({
      kind: "report",
      zone: "Zone_A",
      spot: "place_3",
      report: { status: "occupied", confidence: 0.9, seq: 4 },
    });
  });

  it.each([
    ["not JSON", "{oops", "not_json"],
    ["an array", "[1,2]", "not_object"],
    ["no spot", '{"zone":"Zone_A","status":"free","confidence":1}', "missing_field"],
    ["a bad spot id", '{"zone":"Zone_A","spot":"pl ace","status":"free","confidence":1}', "invalid_field"],
    ["a bad confidence", '{"zone":"Zone_A","spot":"p1","status":"free","confidence":2}', "invalid_field"],
  ])("rejects %s", (_what, line, reason) => {
    expect(decodeSerialLine("parking", line)).toMatchObject({ kind: "rejected", reason });
  });
});
