import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DISCONNECT,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  MqttClient,
  type MqttOptions,
  PINGREQ,
  withDup,
} from "../../src/mqtt/index.js";
import { bytes, type FakeNet, type FakeSocket, fakeNet } from "./fakeNet.js";

const CONNACK_OK = bytes("20 02 00 00");

function publishPacket(payload: string, id: number): string {
  return encodePublish({ topic: "t", payload, qos: 1, retain: true, dup: false, id });
}

let net: FakeNet;
let reasons: string[];

function client(options?: Partial<MqttOptions>): MqttClient {
  const c = new MqttClient(net.connect, {
    host: "broker",
    port: 1883,
    clientId: "n1",
    random: () => 0,
    ...options,
  });
  c.onDisconnect = (reason) => reasons.push(reason);
  return c;
}

function connectNow(c: MqttClient): FakeSocket {
  c.start();
  const sock = net.last();
  sock.open();
  sock.receive(CONNACK_OK);
  expect(c.isConnected()).toBe(true);
  return sock;
}

beforeEach(() => {
  vi.useFakeTimers();
  net = fakeNet();
  reasons = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe("MqttClient", () => {
  it("connects, subscribes, and delivers messages after acknowledging QoS 1 ones", () => {
    const c = client({ will: { topic: "w", payload: "offline", qos: 1, retain: true } });
    const messages: string[] = [];
    c.onMessage = (topic, payload) => messages.push(`${topic} ${payload}`);
    let connects = 0;
    c.onConnect = () => connects++;
    c.subscribe("cfg");
    c.start();
    const sock = net.last();
    expect([sock.host, sock.port]).toEqual(["broker", 1883]);
    expect(sock.writes).toEqual([]);
    sock.open();
    expect(sock.writes).toHaveLength(1);
    expect(sock.writes[0]?.charCodeAt(9)).toBe(0x2e);
    sock.receive(CONNACK_OK);
    expect(connects).toBe(1);
    expect(sock.writes[1]).toBe(encodeSubscribe(1, "cfg", 1));
    sock.receive(
      encodePublish({
        topic: "cfg",
        payload: "\xc3\xa9t\xc3\xa9",
        qos: 1,
        retain: true,
        dup: false,
        id: 300,
      }),
    );
    expect(sock.writes[2]).toBe(encodePuback(300));
    expect(messages).toEqual(["cfg été"]);
  });

  it("names a refused CONNACK and backs off, doubling up to the maximum", () => {
    const c = client({ backoffInitialS: 1, backoffMaxS: 4 });
    c.start();
    const waits: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const sock = net.last();
      sock.open();
      sock.receive(bytes("20 02 00 05"));
      expect(sock.ended).toBe(true);
      const before = net.sockets.length;
      let waited = 0;
      while (net.sockets.length === before) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      waits.push(waited);
    }
    expect(reasons[0]).toBe("broker refused the connection: not authorized");
    // random() = 0 takes half of each delay: 1, 2, 4, 4, 4 s.
    expect(waits).toEqual([500, 1000, 2000, 2000, 2000]);
  });

  it("resets the backoff once connected", () => {
    const c = client({ backoffInitialS: 1 });
    c.start();
    net.last().close();
    vi.advanceTimersByTime(500);
    net.last().close();
    vi.advanceTimersByTime(1000);
    net.last().open();
    net.last().receive(CONNACK_OK);
    net.last().close();
    const before = net.sockets.length;
    vi.advanceTimersByTime(500);
    expect(net.sockets.length).toBe(before + 1);
  });

  it("bounds the outbox, dropping the oldest, and sends the rest in order once connected", () => {
    const c = client({ maxQueue: 3 });
    for (let i = 1; i <= 5; i++) c.publish("t", `m${i}`, { qos: 1, retain: true });
    expect([c.pending(), c.dropped()]).toEqual([3, 2]);
    const sock = connectNow(c);
    expect(sock.writes.slice(1)).toEqual([
      publishPacket("m3", 3),
      publishPacket("m4", 4),
      publishPacket("m5", 5),
    ]);
    sock.receive(encodePuback(4));
    expect(c.pending()).toBe(2);
  });

  it("re-sends unacknowledged messages with DUP, in order, on the next connection", () => {
    const c = client();
    let sock = connectNow(c);
    c.publish("t", "a", { qos: 1, retain: true });
    c.publish("t", "b", { qos: 1, retain: true });
    c.publish("t", "q0", { qos: 0, retain: false });
    sock.receive(encodePuback(1));
    sock.close();
    expect(reasons).toEqual(["connection closed"]);
    c.publish("t", "c", { qos: 1, retain: true });
    c.publish("t", "lost", { qos: 0, retain: false });
    vi.advanceTimersByTime(500);
    sock = connectNow(c);
    expect(sock.writes.slice(1)).toEqual([withDup(publishPacket("b", 2)), publishPacket("c", 3)]);
    sock.receive(encodePuback(2) + encodePuback(3));
    expect(c.pending()).toBe(0);
  });

  it("re-sends a message still unacknowledged after ackTimeoutS while connected", () => {
    const c = client({ ackTimeoutS: 5, keepAliveS: 0 });
    const sock = connectNow(c);
    c.publish("t", "a", { qos: 1, retain: true });
    vi.advanceTimersByTime(4990);
    expect(sock.writes).toHaveLength(2);
    vi.advanceTimersByTime(20);
    expect(sock.writes[2]).toBe(withDup(publishPacket("a", 1)));
    sock.receive(encodePuback(1));
    vi.advanceTimersByTime(10_000);
    expect(sock.writes).toHaveLength(3);
  });

  it("pings when idle and gives up on a broker silent for 1.5 keep-alive periods", () => {
    const c = client({ keepAliveS: 10 });
    const sock = connectNow(c);
    vi.advanceTimersByTime(9990);
    expect(sock.writes).toHaveLength(1);
    vi.advanceTimersByTime(20);
    expect(sock.writes[1]).toBe(PINGREQ);
    sock.receive(bytes("d0 00"));
    vi.advanceTimersByTime(10_000);
    expect(sock.writes[2]).toBe(PINGREQ);
    vi.advanceTimersByTime(4990);
    expect(c.isConnected()).toBe(true);
    vi.advanceTimersByTime(20);
    expect(c.isConnected()).toBe(false);
    expect(sock.ended).toBe(true);
    expect(reasons[0]).toMatch(/^no packet from the broker for 15/);
  });

  it("pings a broker that sends nothing while the node keeps publishing at QoS 0", () => {
    const c = client({ keepAliveS: 10 });
    const sock = connectNow(c);
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(3000);
      c.publish("t", "x", { qos: 0, retain: false });
    }
    expect(sock.writes).toContain(PINGREQ);
  });

  it("gives up a connection without CONNACK, or with malformed bytes, and tries again", () => {
    const c = client({ connectTimeoutS: 2 });
    c.start();
    net.last().open();
    vi.advanceTimersByTime(2000);
    expect(reasons).toEqual(["no CONNACK within 2 s"]);
    vi.advanceTimersByTime(500);
    const sock = net.last();
    sock.open();
    sock.receive(CONNACK_OK + bytes("f0 00"));
    expect(reasons[1]).toBe("malformed packet from the broker: unexpected packet type 15");
    expect(net.sockets).toHaveLength(2);
    vi.advanceTimersByTime(500);
    expect(net.sockets).toHaveLength(3);
  });

  it("treats a throwing connect like a failed attempt", () => {
    const c = new MqttClient(
      () => {
        throw new Error("no route");
      },
      { host: "h", port: 1, clientId: "n", random: () => 0 },
    );
    const seen: string[] = [];
    c.onDisconnect = (r) => seen.push(r);
    c.start();
    vi.advanceTimersByTime(500);
    expect(seen).toEqual(["cannot connect: no route", "cannot connect: no route"]);
    c.stop();
  });

  it("stops with DISCONNECT and does not come back", () => {
    const c = client();
    const sock = connectNow(c);
    c.stop();
    expect(sock.writes[sock.writes.length - 1]).toBe(DISCONNECT);
    expect(sock.ended).toBe(true);
    sock.close();
    vi.advanceTimersByTime(120_000);
    expect(net.sockets).toHaveLength(1);
    expect(reasons).toEqual(["stopped"]);
  });

  it("refuses a password without a username", () => {
    expect(() => client({ password: "p" })).toThrow(/password only with a username/);
  });
});
