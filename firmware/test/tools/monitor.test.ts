import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { formatLine, monitorPort } from "../../tools/monitor.js";
import { FakeEspruino } from "./fakeRepl.js";
import { type Cable, plugIn, removeDir } from "./pty.js";

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe("formatLine", () => {
  const noon = new Date(2024, 5, 1, 12, 0, 1);

  it("makes reports readable and leaves other lines alone", () => {
    const report =
      '{"zone":"Zone_A","spot":"place_1","status":"occupied","confidence":0.93,"distance_cm":121.4}';
    expect(formatLine(report, noon)).toBe("12:00:01 Zone_A/place_1 occupied (0.93) 121 cm");
    expect(formatLine('{"zone":"Zone_A","spot":"p2","status":"free","confidence":1}', noon)).toBe(
      "12:00:01 Zone_A/p2 free (1.00)",
    );
    expect(formatLine("Espruino 2v25", noon)).toBe("Espruino 2v25");
    expect(formatLine('{"zone":"Zone_A"}', noon)).toMatch(/^\{"zone":"Zone_A"\} {3}\(not a valid report: /);
  });

  it("formats the line a node prints after publishing a report like a report, on MQTT", () => {
    const payload = '{"status":"occupied","confidence":0.93,"distance_cm":121.4,"seq":3}';
    expect(formatLine(`MQTT parking/A/12 ${payload}`, noon)).toBe(
      "12:00:01 A/12 occupied (0.93) 121 cm, on MQTT",
    );
    expect(formatLine(`MQTT site/lyon/parking/A/12 ${payload}`, noon)).toBe(
      "12:00:01 A/12 occupied (0.93) 121 cm, on MQTT",
    );
    expect(formatLine('MQTT parking/A/12 {"status":"parked"}', noon)).toMatch(
      /^MQTT parking\/A\/12 \{"status":"parked"\} {3}\(not a valid report: /,
    );
    expect(formatLine("MQTT: cannot connect to 10.0.0.1:1883", noon)).toBe(
      "MQTT: cannot connect to 10.0.0.1:1883",
    );
  });
});

describe("monitorPort", () => {
  let cable: Cable | null = null;
  const devices: FakeEspruino[] = [];

  afterEach(async () => {
    for (const device of devices.splice(0)) await device.close();
    await cable?.unplug();
    if (cable) removeDir(cable.dir);
    cable = null;
  });

  it("prints the node's lines, survives unplug and replug, and stops on abort", async () => {
    cable = await plugIn();
    const first = await FakeEspruino.attach(cable.device);
    devices.push(first);
    const lines: string[] = [];
    const notices: string[] = [];
    const stop = new AbortController();
    const running = monitorPort(
      { path: cable.host, baud: 115_200, retryMs: 100 },
      { line: (text) => lines.push(text), notice: (text) => notices.push(text) },
      stop.signal,
    );
    await delay(100);
    // As Espruino prints at an idle prompt: prompt away, the line, the prompt back.
    first.print(
      '>\r\x1B[Jparking node starting\r\n>\r\x1B[J{"zone":"Zone_A","spot":"place_1","status":"free","confidence":0.97}\r\n>' +
        '\r\x1B[JMQTT parking/Zone_A/place_1 {"status":"free","confidence":0.98}\r\n>',
    );
    await eventually(() => lines.length === 3, "three lines");
    expect(lines[0]).toBe("parking node starting");
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d Zone_A\/place_1 free \(0\.97\)$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d Zone_A\/place_1 free \(0\.98\), on MQTT$/);

    await first.close();
    await cable.unplug();
    await eventually(() => notices.some((n) => n.includes("went away")), "the unplug notice");
    cable = await plugIn(cable.dir);
    await eventually(() => notices.some((n) => n.includes("is back")), "the replug notice");
    const second = await FakeEspruino.attach(cable.device);
    devices.push(second);
    second.print(
      '{"zone":"Zone_A","spot":"place_1","status":"occupied","confidence":0.9,"distance_cm":80}\n',
    );
    await eventually(() => lines.length === 4, "the line after replug");
    expect(lines[3]).toMatch(/Zone_A\/place_1 occupied \(0\.90\) 80 cm$/);

    stop.abort();
    await running;
  });
});
