import { describe, expect, it } from "vitest";
import { consoleLine, decodeConsoleLine, MQTT_REPORT_PREFIX, publishedReport } from "../src/console.js";
import { decodeSerialLine } from "../src/serial.js";

const REPORT = '{"zone":"A","spot":"12","status":"free","confidence":0.93}';

describe("consoleLine", () => {
  it("gives the report Espruino printed at an idle prompt, as a terminal shows it", () => {
    // On the wire (Espruino 2v29): the prompt, a return, erase to the end, the line, a return.
    expect(consoleLine(`>\r\x1B[J${REPORT}\r`)).toBe(REPORT);
    expect(decodeSerialLine("parking", consoleLine(`>\r\x1B[J${REPORT}\r`))).toMatchObject({
      kind: "report",
      zone: "A",
      spot: "12",
    });
  });

  it("erases what the user had typed at the prompt before the line was printed", () => {
    expect(consoleLine(`>print(1+\r\x1B[J${REPORT}\r`)).toBe(REPORT);
  });

  it("leaves plain lines alone, apart from trailing white space", () => {
    expect(consoleLine("No wifi.ssid: network assumed up.\r")).toBe("No wifi.ssid: network assumed up.");
    expect(consoleLine(" ____                 _ ")).toBe(" ____                 _");
    expect(consoleLine("Café ✓\t1")).toBe("Café ✓\t1");
    expect(consoleLine("")).toBe("");
  });

  it("drops the prompt left at the start of a line, and a line that is only prompts and codes", () => {
    expect(consoleLine(">MQTT parking/A/12 {}")).toBe("MQTT parking/A/12 {}");
    expect(consoleLine(">")).toBe("");
    expect(consoleLine(">\r\x1B[J\r")).toBe("");
    expect(consoleLine("\x1B[J")).toBe("");
  });

  it("overwrites from the start after a carriage return, keeping the longer tail", () => {
    expect(consoleLine("12345\rab")).toBe("ab345");
    expect(consoleLine("12345\rab\x1B[K")).toBe("ab");
    expect(consoleLine("12345\r\x1B[2K")).toBe("");
    expect(consoleLine("12345\x1B[3D\x1B[1K")).toBe("   45");
  });

  it("moves with backspace and cursor codes, and shows no other control or escape", () => {
    expect(consoleLine("abc\b\bX")).toBe("aXc");
    expect(consoleLine("abc\x1B[2DX")).toBe("aXc");
    expect(consoleLine("a\x1B[2Cb")).toBe("a  b");
    expect(consoleLine("\x1B[1;32mgreen\x1B[0m\x07\x00")).toBe("green");
    expect(consoleLine("a\x1B7b\x1B(Bc\x1B")).toBe("abc");
  });
});

describe("publishedReport", () => {
  it("reads the topic and payload of the line a node prints after publishing", () => {
    const line = `${MQTT_REPORT_PREFIX}parking/A/12 ${REPORT}`;
    expect(publishedReport(line)).toEqual({ topic: "parking/A/12", payload: REPORT });
    expect(publishedReport(`MQTT site/lyon/parking/A/12 {"a":"b c"}`)).toEqual({
      topic: "site/lyon/parking/A/12",
      payload: '{"a":"b c"}',
    });
  });

  it("is undefined for every other line", () => {
    expect(publishedReport(REPORT)).toBeUndefined();
    expect(publishedReport("MQTT: cannot connect to 10.0.0.1:1883")).toBeUndefined();
    expect(publishedReport("MQTT parking/A/12")).toBeUndefined();
    expect(publishedReport("MQTT  {}")).toBeUndefined();
    expect(publishedReport("mqtt parking/A/12 {}")).toBeUndefined();
  });
});

describe("decodeConsoleLine", () => {
  const PAYLOAD = '{"status":"occupied","confidence":0.9,"seq":3}';

  it("decodes a serial-fallback line and a published report as the gateway would", () => {
    expect(decodeConsoleLine(REPORT)).toMatchObject({
      via: "serial",
      result: { kind: "report", zone: "A", spot: "12", report: { status: "free" } },
    });
    expect(decodeConsoleLine(`MQTT site/lyon/parking/B/7 ${PAYLOAD}`)).toMatchObject({
      via: "mqtt",
      result: { kind: "report", zone: "B", spot: "7", report: { seq: 3 } },
    });
    expect(decodeConsoleLine(`MQTT lot/B/7 ${PAYLOAD}`, "lot")).toMatchObject({ via: "mqtt" });
  });

  it("says why a report line is not a valid report, and is null for any other line", () => {
    expect(decodeConsoleLine('{"zone":"A"}')?.result.kind).toBe("rejected");
    expect(decodeConsoleLine("MQTT: connected to 10.0.0.1:1883.")).toBeNull();
    expect(decodeConsoleLine("Calibrating: keep the spot empty for 10 s.")).toBeNull();
  });
});
