import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, startTestGateway, type TestGateway, tempDir } from "../support/gateway.js";

interface SerialHealth {
  serial: Array<{ path: string; open: boolean; problem: string | null; lines: number }>;
}

/** A USB cable stand-in: a pseudo-terminal pair whose two ends appear as files in `dir`. */
function plugIn(nodeEnd: string, gatewayEnd: string): ChildProcess {
  return spawn("socat", [`pty,raw,echo=0,link=${nodeEnd}`, `pty,raw,echo=0,link=${gatewayEnd}`], {
    stdio: "ignore",
  });
}

async function unplug(cable: ChildProcess): Promise<void> {
  if (cable.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    cable.once("exit", () => resolve());
    cable.kill("SIGTERM");
  });
}

/**
 * What Espruino 2v29 (the Linux host build, espruino-linux-x64) sent, byte for byte, when run
 * on a pseudo-terminal with
 *   setTimeout(function () { console.log("No wifi.ssid: network assumed up."); }, 300);
 *   setTimeout(function () { console.log(JSON.stringify({ zone: "Zone_S", spot: "usb_2", ... })); }, 600);
 * captured with `socat -u EXEC:"espruino-linux-x64 report.js",pty,raw,echo=0,setsid,ctty STDOUT`.
 * Lines printed at an idle prompt come as `>\r\x1B[J<line>\r\n`, then a new `>` prompt.
 */
const ESPRUINO_IDLE_OUTPUT =
  "\r\n ____                 _ \r\n|  __|___ ___ ___ _ _|_|___ ___ \r\n|  __|_ -| . |  _| | | |   | . |\r\n" +
  "|____|___|  _|_| |___|_|_|_|___|\r\n         |_| espruino.com\r\n 2v29.277 (c) 2026 G.Williams\r\n\r\n" +
  "Espruino is Open Source. Our work is supported\r\nonly by sales of official boards and donations:\r\n" +
  "http://espruino.com/Donate\r\n\r\n>\r\x1B[JNo wifi.ssid: network assumed up.\r\n>\r\x1B[J" +
  '{"zone":"Zone_S","spot":"usb_2","status":"occupied","confidence":0.91,"distance_cm":120.5,"seq":1,' +
  '"reason":"boot","fw":"0.1.0","uptime_s":2}\r\n>';

function nodeWrites(nodeEnd: string, text: string): void {
  const fd = openSync(nodeEnd, "w");
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

describe("serial ingest from a node on USB", () => {
  let dir: string;
  let gateway: TestGateway;
  let cable: ChildProcess | null = null;
  let nodeEnd: string;
  let gatewayEnd: string;

  beforeAll(async () => {
    dir = tempDir("parking-serial-");
    nodeEnd = join(dir, "node-tty");
    gatewayEnd = join(dir, "gateway-tty");
    gateway = await startTestGateway({ serial: gatewayEnd }, dir);
  });

  afterAll(async () => {
    if (cable) await unplug(cable);
    await gateway?.dispose();
  });

  const health = async () => (await getJson<SerialHealth>(`${gateway.baseUrl}/api/health`)).body.serial[0];

  it("reports a missing device in one sentence and opens it once it appears", async () => {
    const missing = await health();
    expect(missing?.open).toBe(false);
    expect(missing?.problem).toMatch(/is not there .*retrying/);

    cable = plugIn(nodeEnd, gatewayEnd);
    await eventually(
      async () => (existsSync(nodeEnd) && existsSync(gatewayEnd) ? true : undefined),
      5_000,
      "the pty pair",
    );
    await eventually(
      async () => ((await health())?.open ? true : undefined),
      8_000,
      "the gateway to open the device",
    );
  });

  it("feeds a node's JSON lines into the lot, skipping Espruino's banner and prompt", async () => {
    nodeWrites(
      nodeEnd,
      [
        " ____                 _ ",
        "Espruino 2v24 (c) 2024 G.Williams",
        ">",
        '{"zone":"Zone_S","spot":"usb_1","status":"occupied","confidence":0.91,"seq":1,"distance_cm":120}',
        "",
      ].join("\r\n"),
    );
    const spot = await eventually(async () => {
      const current = await getJson<{ spots: Array<{ spot: string; state: string; distance_cm: number }> }>(
        `${gateway.baseUrl}/api/current`,
      );
      return current.body.spots.find((s) => s.spot === "usb_1");
    });
    expect(spot).toMatchObject({ state: "occupied", distance_cm: 120 });
    expect((await health())?.lines).toBe(1);
  });

  it("reads a report the real interpreter printed at its idle prompt, escape codes and all", async () => {
    const before = (await health())?.lines ?? 0;
    nodeWrites(nodeEnd, ESPRUINO_IDLE_OUTPUT);
    const spot = await eventually(async () => {
      const current = await getJson<{ spots: Array<{ spot: string; state: string; distance_cm: number }> }>(
        `${gateway.baseUrl}/api/current`,
      );
      return current.body.spots.find((s) => s.spot === "usb_2");
    });
    expect(spot).toMatchObject({ state: "occupied", distance_cm: 120.5 });
    expect((await health())?.lines).toBe(before + 1);
  });

  it("survives unplug and replug", async () => {
    if (!cable) throw new Error("no cable");
    await unplug(cable);
    await eventually(
      async () => ((await health())?.open === false ? true : undefined),
      5_000,
      "the unplug to be noticed",
    );
    expect((await health())?.problem).toMatch(/went away|is not there/);

    cable = plugIn(nodeEnd, gatewayEnd);
    await eventually(
      async () => ((await health())?.open ? true : undefined),
      8_000,
      "the device to be reopened",
    );
    nodeWrites(nodeEnd, '{"zone":"Zone_S","spot":"usb_1","status":"free","confidence":0.97,"seq":2}\n');
    await eventually(async () => {
      const current = await getJson<{ spots: Array<{ spot: string; state: string }> }>(
        `${gateway.baseUrl}/api/current`,
      );
      return current.body.spots.find((s) => s.spot === "usb_1" && s.state === "free");
    });
  });
});
