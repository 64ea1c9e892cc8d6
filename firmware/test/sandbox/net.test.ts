import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../../testkit/mosquitto.js";
import { freePort } from "../../../testkit/ports.js";
import { sandbox, waitFor } from "./support.js";

let broker: Mosquitto;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sandbox-net-"));
  broker = await startMosquitto(dir);
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * An MQTT 3.1.1 CONNECT built by hand as a binary string, with an optional last will;
 * every byte received is printed in hex.
 */
function mqttScript(host: string, port: number, clientId: string, willTopic?: string): string {
  return `
    var clientId = ${JSON.stringify(clientId)};
    var willTopic = ${JSON.stringify(willTopic ?? "")};
    var str = function (s) { return String.fromCharCode(s.length >> 8, s.length & 255) + s; };
    var flags = willTopic ? 0x02 | 0x04 | 0x20 : 0x02;
    var body = str("MQTT") + "\\x04" + String.fromCharCode(flags) + "\\x00\\x3c" + str(clientId);
    if (willTopic) body += str(willTopic) + str("offline");
    var packet = "\\x10" + String.fromCharCode(body.length) + body;
    var hex = function (d) {
      var out = [];
      for (var i = 0; i < d.length; i++) out.push((d.charCodeAt(i) < 16 ? "0" : "") + d.charCodeAt(i).toString(16));
      return out.join(" ");
    };
    var sock = require("net").connect({ host: ${JSON.stringify(host)}, port: ${port} }, function (s) {
      print("connected " + (s === sock));
      sock.write(packet);
    });
    sock.on("data", function (d) { print("data " + hex(d)); });
    sock.on("error", function (e) { print("error " + e.code); });
    sock.on("close", function () { print("close"); });
  `;
}

describe("require('net') over node:net", () => {
  it("sends an MQTT CONNECT as a binary string and reads the CONNACK bytes", async () => {
    const box = sandbox();
    box.run(mqttScript("127.0.0.1", broker.port, "sandbox-connack"), "connect.js");
    await box.waitForLine(/^data/);
    expect(box.consoleLines()).toEqual(["connected true", "data 20 02 00 00"]);
  });

  it("cutSocket() drops the link abruptly: the script sees close and the broker fires the will", async () => {
    const watcher = await mqtt.connectAsync(broker.url, { clientId: "sandbox-watcher" });
    try {
      const wills: string[] = [];
      watcher.on("message", (topic, payload) => wills.push(`${topic} ${payload.toString()}`));
      await watcher.subscribeAsync("sandbox/will", { qos: 0 });
      const box = sandbox();
      box.run(mqttScript("127.0.0.1", broker.port, "sandbox-will", "sandbox/will"));
      await box.waitForLine(/^data 20 02 00 00$/);
      box.cutSocket();
      await box.waitForLine(/^close$/);
      await waitFor(() => wills.length > 0, "the last will");
      expect(wills).toEqual(["sandbox/will offline"]);
      expect(box.activeHandles().sockets).toBe(0);
    } finally {
      await watcher.endAsync();
    }
  });

  it("end() closes cleanly: no will", async () => {
    const box = sandbox();
    box.run(`${mqttScript("127.0.0.1", broker.port, "sandbox-end")}
      sock.on("data", function () { sock.end("\\xe0\\x00"); });`);
    await box.waitForLine(/^close$/);
    expect(box.consoleLines()).toEqual(["connected true", "data 20 02 00 00", "close"]);
  });

  it("an unreachable host gives error then close", async () => {
    const port = await freePort();
    const box = sandbox();
    box.run(mqttScript("127.0.0.1", port, "nobody"));
    await box.waitForLine(/^close$/);
    expect(box.consoleLines()).toEqual(["error ECONNREFUSED", "close"]);
  });

  it("netHost redirects connections, and a network that is down refuses them", async () => {
    const box = sandbox({
      netHost: (_host, port) => (port === 1883 ? { host: "127.0.0.1", port: broker.port } : null),
    });
    box.run(mqttScript("broker.example", 1883, "sandbox-redirect"));
    await box.waitForLine(/^data/);
    box.setNetwork(false);
    await box.waitForLine(/^close$/);
    // As on the interpreter, whose connect blocks: no socket, an exception at once.
    expect(() => box.run(mqttScript("broker.example", 1883, "sandbox-down"))).toThrow(
      "Unable to create socket",
    );
    expect(box.consoleLines().slice(2)).toEqual(["close", "Uncaught Error: Unable to create socket"]);
  });
});
