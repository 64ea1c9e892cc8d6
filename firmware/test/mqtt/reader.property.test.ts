import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodePublish, type Packet, PacketReader, utf8Encode } from "../../src/mqtt/index.js";
import { bytes } from "./fakeNet.js";

const topic = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
  .filter((t) => !t.includes("+") && !t.includes("#") && !t.includes("\u0000"));

/** A packet the broker may send, with what the reader must make of it. */
const serverPacket: fc.Arbitrary<{ wire: string; packet: Packet }> = fc.oneof(
  fc
    .record({
      topic,
      payload: fc.string({ unit: "grapheme", maxLength: 300 }),
      qos: fc.constantFrom<0 | 1>(0, 1),
      retain: fc.boolean(),
      dup: fc.boolean(),
      id: fc.integer({ min: 1, max: 0xffff }),
    })
    .map((p) => {
      const fields = {
        topic: p.topic,
        payload: utf8Encode(p.payload),
        qos: p.qos,
        retain: p.retain,
        dup: p.dup,
        id: p.id,
      };
      const packet: Packet = { type: "publish", ...fields, id: p.qos === 1 ? p.id : 0, oversize: false };
      return { wire: encodePublish(fields), packet };
    }),
  fc.integer({ min: 1, max: 0xffff }).map((id) => ({
    wire: bytes(`40 02 ${(id >> 8).toString(16)} ${(id & 0xff).toString(16)}`),
    packet: { type: "puback", id } as Packet,
  })),
  fc.integer({ min: 0, max: 5 }).map((code) => ({
    wire: bytes(`20 02 00 0${code}`),
    packet: { type: "connack", sessionPresent: false, returnCode: code } as Packet,
  })),
  fc.constant({ wire: bytes("90 03 00 01 01"), packet: { type: "suback", id: 1, granted: [1] } as Packet }),
  fc.constant({ wire: bytes("d0 00"), packet: { type: "pingresp" } as Packet }),
);

function binary(arr: Uint8Array): string {
  return Buffer.from(arr).toString("latin1");
}

function readInChunks(stream: string, cuts: number[]): Packet[] {
  const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const reader = new PacketReader();
  const out: Packet[] = [];
  let from = 0;
  for (const to of [...at, stream.length]) {
    out.push(...reader.push(stream.slice(from, to)));
    from = to;
  }
  return out;
}

describe("PacketReader properties", () => {
  it("reads the same packets however the stream is cut into chunks", () => {
    fc.assert(
      fc.property(
        fc.array(serverPacket, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (items, cuts) => {
          const stream = items.map((i) => i.wire).join("");
          expect(readInChunks(stream, cuts)).toEqual(items.map((i) => i.packet));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("never throws on garbage, and stops at its first malformed packet", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        const reader = new PacketReader(64);
        const out: Packet[] = [];
        for (const chunk of chunks) out.push(...reader.push(binary(chunk)));
        const firstBad = out.findIndex((p) => p.type === "malformed");
        if (firstBad >= 0) expect(firstBad).toBe(out.length - 1);
      }),
      { numRuns: 3000 },
    );
  });
});
