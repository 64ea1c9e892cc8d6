export { decode, MAX_PAYLOAD_BYTES } from "./decode.js";
export { encodeAlerts, encodeReport, encodeSummary } from "./encode.js";
export { isReservedZone, isValidId, MAX_ID_LENGTH, RESERVED_ZONES } from "./ids.js";
export type { ParsedTopic } from "./topics.js";
export {
  alertsTopic,
  availabilityTopic,
  configTopic,
  gatewayAvailabilityTopic,
  isValidTopicRoot,
  parseTopic,
  reportTopic,
  subscriptionFilters,
  summaryTopic,
} from "./topics.js";
export type {
  AlertLevel,
  AlertState,
  Decoded,
  DecodeResult,
  LotSummary,
  OccupancyCounts,
  Rejection,
  RejectReason,
  ReportReason,
  SpotReport,
  SpotStatus,
} from "./types.js";
