import { describe, expect, it } from "vitest";
import {
  DISCONNECT,
  encodeConnect,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  PacketReader,
  PINGREQ,
  utf8Decode,
  utf8Encode,
  withDup,
} from "../../src/mqtt/index.js";
import { bytes, hex } from "./fakeNet.js";

// Expected bytes are worked out by hand from the MQTT 3.1.1 spec, sections 2 and 3.
describe("packet encoding", () => {
  it("writes a bare CONNECT", () => {
    const packet = encodeConnect({ clientId: "x", cleanSession: true, keepAliveS: 60 });
    // 10 | remaining 13 | "MQTT" | level 4 | flags: clean | keep-alive 60 | client id "x"
    expect(hex(packet)).toBe("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 78");
  });

  it("writes a CONNECT with a retained QoS 1 will and credentials", () => {
    const packet = encodeConnect({
      clientId: "c1",
      cleanSession: true,
      keepAliveS: 30,
      username: "u",
      password: "pw",
      will: { topic: "w", payload: "off", qos: 1, retain: true },
    });
    // flags 0xee: user 80, password 40, will retain 20, will QoS 1 08, will 04, clean 02
    expect(hex(packet)).toBe(
      "10 1d 00 04 4d 51 54 54 04 ee 00 1e 00 02 63 31 00 01 77 00 03 6f 66 66 00 01 75 00 02 70 77",
    );
  });

  it("leaves out a password that comes without a username", () => {
    const packet = encodeConnect({ clientId: "x", cleanSession: false, keepAliveS: 0, password: "p" });
    expect(hex(packet)).toBe("10 0d 00 04 4d 51 54 54 04 00 00 00 00 01 78");
  });

  it("writes PUBLISH at QoS 1 retained, its DUP twin, and QoS 0", () => {
    const qos1 = encodePublish({ topic: "a/b", payload: "hi", qos: 1, retain: true, dup: false, id: 10 });
    expect(hex(qos1)).toBe("33 09 00 03 61 2f 62 00 0a 68 69");
    expect(hex(withDup(qos1))).toBe("3b 09 00 03 61 2f 62 00 0a 68 69");
    const qos0 = encodePublish({ topic: "a/b", payload: "hi", qos: 0, retain: false, dup: false, id: 10 });
    expect(hex(qos0)).toBe("30 07 00 03 61 2f 62 68 69");
  });

  it("encodes topics as UTF-8 and long bodies with a multi-byte remaining length", () => {
    const packet = encodePublish({
      topic: "é",
      payload: "x".repeat(200),
      qos: 0,
      retain: false,
      dup: false,
      id: 0,
    });
    // 2 + 2 + 200 = 204 = 0x4c + 1 × 128
    expect(hex(packet.slice(0, 6))).toBe("30 cc 01 00 02 c3");
  });

  it("writes PUBACK, SUBSCRIBE, PINGREQ and DISCONNECT", () => {
    expect(hex(encodePuback(0x1234))).toBe("40 02 12 34");
    expect(hex(encodeSubscribe(1, "a/b", 1))).toBe("82 08 00 01 00 03 61 2f 62 01");
    expect(hex(PINGREQ)).toBe("c0 00");
    expect(hex(DISCONNECT)).toBe("e0 00");
  });
});

describe("utf8", () => {
  it("encodes like TextEncoder, lone surrogates included", () => {
    for (const s of ["", "abc", "é", "€", "😀", "a\ud800b", "\udc00", "\ufeffx"]) {
      expect(utf8Encode(s)).toBe(Buffer.from(new TextEncoder().encode(s)).toString("latin1"));
    }
  });

  it("decodes back, keeps a leading BOM, and refuses invalid bytes", () => {
    for (const s of ["", "abc", "é€😀", "\ufeffx"]) expect(utf8Decode(utf8Encode(s))).toBe(s);
    expect(utf8Decode("\xc3")).toBeUndefined();
    expect(utf8Decode("\xed\xa0\x80")).toBeUndefined();
  });
});

describe("PacketReader", () => {
  it("reads what the broker sends", () => {
    const stream =
      bytes("20 02 01 05") +
      bytes("40 02 00 07") +
      bytes("90 04 00 02 01 80") +
      bytes("d0 00") +
      encodePublish({ topic: "p/a/1/config", payload: "{}", qos: 1, retain: true, dup: true, id: 9 }) +
      encodePublish({ topic: "t", payload: "", qos: 0, retain: false, dup: false, id: 0 });
    expect(new PacketReader().push(stream)).toEqual([
      { type: "connack", sessionPresent: true, returnCode: 5 },
      { type: "puback", id: 7 },
      { type: "suback", id: 2, granted: [1, 0x80] },
      { type: "pingresp" },
      {
        type: "publish",
        topic: "p/a/1/config",
        payload: "{}",
        qos: 1,
        retain: true,
        dup: true,
        id: 9,
        oversize: false,
      },
      { type: "publish", topic: "t", payload: "", qos: 0, retain: false, dup: false, id: 0, oversize: false },
    ]);
  });

  it("waits for the rest of a packet split anywhere, the remaining length included", () => {
    const packet = encodePublish({
      topic: "a",
      payload: "y".repeat(300),
      qos: 1,
      retain: false,
      dup: false,
      id: 1,
    });
    const reader = new PacketReader();
    for (let i = 0; i < packet.length - 1; i++) expect(reader.push(packet.charAt(i))).toEqual([]);
    expect(reader.push(packet.slice(-1))).toMatchObject([{ type: "publish", payload: "y".repeat(300) }]);
  });

  it.each([
    ["CONNACK with flags", "21 02 00 00"],
    ["CONNACK too long", "20 03 00 00 00"],
    ["remaining length of 5 bytes", "30 ff ff ff ff 01"],
    ["QoS 2 PUBLISH", "34 05 00 01 61 00 01"],
    ["QoS 3 PUBLISH", "36 05 00 01 61 00 01"],
    ["PUBLISH id 0", "32 05 00 01 61 00 00"],
    ["PUBLISH with a wildcard topic", "30 03 00 01 23"],
    ["PUBLISH with an empty topic", "30 02 00 00"],
    ["PUBLISH with a non-UTF-8 topic", "30 03 00 01 ff"],
    ["PUBLISH shorter than its topic", "30 03 00 05 61"],
    ["PUBACK id 0", "40 02 00 00"],
    ["SUBACK without codes", "90 02 00 01"],
    ["SUBACK code 3", "90 03 00 01 03"],
    ["PINGRESP with a body", "d0 01 00"],
    ["a CONNECT", "10 00"],
    ["type 0", "00 00"],
  ])("reports %s as malformed and reads no further", (_name, hexPairs) => {
    const reader = new PacketReader();
    const out = reader.push(bytes(`d0 00 ${hexPairs} d0 00`));
    expect(out.map((p) => p.type)).toEqual(["pingresp", "malformed"]);
    expect(reader.push(bytes("d0 00"))).toEqual([]);
  });

  it("acknowledges an oversize PUBLISH without keeping it, and reads on after it", () => {
    const big = encodePublish({
      topic: "a/b",
      payload: "z".repeat(100),
      qos: 1,
      retain: true,
      dup: false,
      id: 42,
    });
    const reader = new PacketReader(16);
    const out = [...reader.push(big.slice(0, 10)), ...reader.push(big.slice(10, 50))];
    out.push(...reader.push(big.slice(50) + bytes("d0 00")));
    expect(out).toEqual([
      {
        type: "publish",
        topic: "a/b",
        payload: "",
        qos: 1,
        retain: true,
        dup: false,
        id: 42,
        oversize: true,
      },
      { type: "pingresp" },
    ]);
  });

  it("refuses any other oversize packet", () => {
    expect(new PacketReader(16).push(bytes("90 20"))).toMatchObject([{ type: "malformed" }]);
  });
});
