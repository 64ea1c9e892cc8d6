export {
  CALIBRATION_MAX_SPREAD_CM,
  CALIBRATION_MIN_FLOOR_CM,
  CALIBRATION_MIN_READINGS,
  CALIBRATION_MIN_VALID_SHARE,
  CALIBRATION_OFFSET_CM,
  calibrationThreshold,
} from "./calibration.js";
export type { Classification, ClassifierSettings, ClassifierState } from "./classifier.js";
export { classifierSettings, classify, initialClassifier, verdictOf } from "./classifier.js";
export type { ConfidenceParams } from "./confidence.js";
export { confidence, DEFAULT_CONFIDENCE_PARAMS, hasEnoughEchoes, MIN_VALID_SHARE } from "./confidence.js";
export type { EchoLimits, Reading } from "./filter.js";
export {
  AIR_C,
  cmToEchoUs,
  DEFAULT_ECHO_LIMITS,
  echoToCm,
  OUTLIER_CM,
  PING_GAP_MS,
  summarizePings,
} from "./filter.js";
export type { NodeSettings } from "./settings.js";
export {
  DEFAULT_SETTINGS,
  defaultSettings,
  hasIdentity,
  MAX_SLEEP_S,
  readSettings,
  writeSettingsJson,
} from "./settings.js";
