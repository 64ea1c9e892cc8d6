export type { Connect, MqttOptions, PublishOptions, Socket } from "./client.js";
export { MqttClient } from "./client.js";
export type { ConnectFields, PublishFields, WillMessage } from "./packets.js";
export {
  DISCONNECT,
  encodeConnect,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  PINGREQ,
  withDup,
} from "./packets.js";
export type { Packet } from "./reader.js";
export { PacketReader } from "./reader.js";
export { utf8Decode, utf8Encode } from "./utf8.js";
