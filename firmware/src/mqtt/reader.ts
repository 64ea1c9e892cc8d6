import type { PublishFields } from "./packets.js";
import { utf8Decode } from "./utf8.js";

/** A packet from the broker, or why the stream cannot be read on. */
export type Packet =
  | { type: "connack"; sessionPresent: boolean; returnCode: number }
  | (PublishFields & {
      type: "publish";
      /** Larger than the reader keeps: the payload is empty, the packet still needs its PUBACK. */
      oversize: boolean;
    })
  | { type: "puback"; id: number }
  | { type: "suback"; id: number; granted: number[] }
  | { type: "pingresp" }
  | { type: "malformed"; reason: string };

/** A node subscribes to a small JSON config: anything far larger would only exhaust its heap. */
const DEFAULT_MAX_PACKET_BYTES = 4096;

function malformed(reason: string): Packet {
  return { type: "malformed", reason };
}

function u16At(s: string, i: number): number {
  return (s.charCodeAt(i) << 8) | s.charCodeAt(i + 1);
}

function validTopicName(topic: string): boolean {
  if (topic.length === 0) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    // Wildcards may appear only in filters (MQTT-3.3.2-2), U+0000 nowhere (MQTT-1.5.3-2).
    if (c === 0x2b || c === 0x23 || c === 0) return false;
  }
  return true;
}

/**
 * Topic, flags and packet id of a PUBLISH whose body starts at `start` in `s`; `undefined` when
 * `s` ends before the payload does start.
 */
function publishHead(first: number, s: string, start: number): Packet | undefined {
  const qos = (first >> 1) & 3;
  if (qos > 1) return malformed(`PUBLISH with QoS ${qos}, but every subscription asks for at most 1`);
  if (s.length < start + 2) return undefined;
  const topicEnd = start + 2 + u16At(s, start);
  const idEnd = topicEnd + (qos > 0 ? 2 : 0);
  if (s.length < idEnd) return undefined;
  const topic = utf8Decode(s.slice(start + 2, topicEnd));
  if (topic === undefined || !validTopicName(topic))
    return malformed("PUBLISH topic is not a valid topic name");
  const id = qos > 0 ? u16At(s, topicEnd) : 0;
  if (qos > 0 && id === 0) return malformed("PUBLISH with packet id 0");
  return {
    type: "publish",
    topic,
    payload: "",
    qos: qos === 1 ? 1 : 0,
    retain: (first & 1) === 1,
    dup: (first & 8) === 8,
    id,
    oversize: false,
  };
}

function parsePublish(first: number, body: string): Packet {
  const head = publishHead(first, body, 0);
  if (head === undefined) return malformed("PUBLISH shorter than its topic and packet id");
  if (head.type === "publish") head.payload = body.slice(2 + u16At(body, 0) + (head.qos > 0 ? 2 : 0));
  return head;
}

function parseSuback(body: string): Packet {
  if (body.length < 3) return malformed("SUBACK without a return code");
  const granted: number[] = [];
  for (let i = 2; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code > 2 && code !== 0x80) return malformed(`SUBACK return code ${code}`);
    granted.push(code);
  }
  return { type: "suback", id: u16At(body, 0), granted };
}

function parse(first: number, body: string): Packet {
  const type = first >> 4;
  if (type === 3) return parsePublish(first, body);
  if ((first & 0x0f) !== 0) return malformed(`packet type ${type} with flags ${first & 0x0f}`);
  if (type === 2) {
    if (body.length !== 2 || (body.charCodeAt(0) & 0xfe) !== 0) return malformed("CONNACK of wrong shape");
    return { type: "connack", sessionPresent: body.charCodeAt(0) === 1, returnCode: body.charCodeAt(1) };
  }
  if (type === 4) {
    if (body.length !== 2 || u16At(body, 0) === 0) return malformed("PUBACK of wrong shape");
    return { type: "puback", id: u16At(body, 0) };
  }
  if (type === 9) return parseSuback(body);
  if (type === 13) return body.length === 0 ? { type: "pingresp" } : malformed("PINGRESP with a body");
  return malformed(`unexpected packet type ${type}`);
}

/**
 * Splits a byte stream into packets, however it arrives in chunks. After a `malformed` packet
 * it reads nothing more: the stream has lost its framing, and the connection must go.
 */
export class PacketReader {
  private buf = "";
  /** Bytes of an oversize PUBLISH still to discard as they arrive. */
  private skip = 0;
  private failed = false;
  private readonly maxPacketBytes: number;

  constructor(maxPacketBytes?: number) {
    this.maxPacketBytes = maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  }

  /** The packets that `chunk` (a binary string) completes, in order. Never throws. */
  push(chunk: string): Packet[] {
    const out: Packet[] = [];
    if (this.failed) return out;
    let data = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.slice(n);
    }
    const buf = this.buf + data;
    let pos = 0;
    while (buf.length - pos >= 2) {
      let length = 0;
      let factor = 1;
      let i = pos + 1;
      let complete = false;
      while (i < buf.length && i < pos + 5) {
        const b = buf.charCodeAt(i++);
        length += (b & 0x7f) * factor;
        factor *= 128;
        if (b < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i < pos + 5) break;
        return this.fail(out, malformed("remaining length longer than 4 bytes"));
      }
      const first = buf.charCodeAt(pos);
      const end = i + length;
      if (length > this.maxPacketBytes) {
        if (first >> 4 !== 3)
          return this.fail(out, malformed(`packet type ${first >> 4} of ${length} bytes`));
        const head = publishHead(first, buf, i);
        if (head === undefined) {
          if (buf.length - i > this.maxPacketBytes)
            return this.fail(out, malformed("PUBLISH topic too long"));
          break;
        }
        if (head.type !== "publish") return this.fail(out, head);
        head.oversize = true;
        out.push(head);
        this.skip = Math.max(0, end - buf.length);
        pos = Math.min(end, buf.length);
        continue;
      }
      if (end > buf.length) break;
      const p = parse(first, buf.slice(i, end));
      if (p.type === "malformed") return this.fail(out, p);
      out.push(p);
      pos = end;
    }
    this.buf = buf.slice(pos);
    return out;
  }

  private fail(out: Packet[], reason: Packet): Packet[] {
    this.failed = true;
    this.buf = "";
    out.push(reason);
    return out;
  }
}
