import { utf8Encode } from "./utf8.js";

/*
 * MQTT 3.1.1 packets as binary strings (one char per byte): Espruino sockets read and write
 * those, and the node has no Buffer.
 */

export interface WillMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface ConnectFields {
  clientId: string;
  cleanSession: boolean;
  keepAliveS: number;
  username?: string;
  /** Sent only with a username: MQTT 3.1.1 forbids a password alone (MQTT-3.1.2-22). */
  password?: string;
  will?: WillMessage;
}

export interface PublishFields {
  topic: string;
  /** Payload bytes as a binary string. */
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  dup: boolean;
  /** Packet identifier, 1-65535; ignored at QoS 0. */
  id: number;
}

export const PINGREQ = "\xc0\x00";
export const DISCONNECT = "\xe0\x00";

const MAX_REMAINING_LENGTH = 268435455;

function u16(n: number): string {
  return String.fromCharCode((n >> 8) & 0xff, n & 0xff);
}

/** A length-prefixed field of raw bytes. */
function field(bytes: string): string {
  if (bytes.length > 0xffff) throw new Error(`MQTT field of ${bytes.length} bytes exceeds 65535`);
  return u16(bytes.length) + bytes;
}

function text(s: string): string {
  return field(utf8Encode(s));
}

function remainingLength(n: number): string {
  if (n > MAX_REMAINING_LENGTH) throw new Error(`MQTT packet of ${n} bytes exceeds the maximum`);
  let out = "";
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out += String.fromCharCode(byte);
  } while (rest > 0);
  return out;
}

function packet(firstByte: number, body: string): string {
  return String.fromCharCode(firstByte) + remainingLength(body.length) + body;
}

export function encodeConnect(c: ConnectFields): string {
  let flags = c.cleanSession ? 0x02 : 0;
  let payload = text(c.clientId);
  const will = c.will;
  if (will !== undefined) {
    flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
    payload += text(will.topic) + text(will.payload);
  }
  if (c.username !== undefined) {
    flags |= 0x80;
    payload += text(c.username);
    if (c.password !== undefined) {
      flags |= 0x40;
      payload += text(c.password);
    }
  }
  return packet(0x10, `${text("MQTT")}\x04${String.fromCharCode(flags)}${u16(c.keepAliveS)}${payload}`);
}

export function encodePublish(p: PublishFields): string {
  const first = 0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 0x01 : 0);
  return packet(first, text(p.topic) + (p.qos > 0 ? u16(p.id) : "") + p.payload);
}

/** The same PUBLISH marked as a re-delivery (MQTT-3.3.1-1). */
export function withDup(publish: string): string {
  return String.fromCharCode(publish.charCodeAt(0) | 0x08) + publish.slice(1);
}

export function encodePuback(id: number): string {
  return packet(0x40, u16(id));
}

/** SUBSCRIBE for one topic filter; its fixed-header flags are 0010 by the spec (MQTT-3.8.1-1). */
export function encodeSubscribe(id: number, topic: string, qos: 0 | 1): string {
  return packet(0x82, u16(id) + text(topic) + String.fromCharCode(qos));
}
