import { describe, expect, it } from "vitest";
import { isClearedCalibration } from "../../src/services/spotAdmin.js";

describe("isClearedCalibration", () => {
  const sent = JSON.stringify({ threshold_cm: 150, calibrate: true, heartbeat_s: 60 });

  it("recognises the node's answer: the same settings without calibrate, keys in any order", () => {
    expect(isClearedCalibration(sent, '{"threshold_cm":150,"heartbeat_s":60}')).toBe(true);
    expect(isClearedCalibration(sent, '{"heartbeat_s":60,"threshold_cm":150}')).toBe(true);
    expect(isClearedCalibration('{"calibrate":true}', "{}")).toBe(true);
  });

  it("takes nothing else for it", () => {
    // An echo of our own config, an older one, other values, extra or missing keys, junk.
    expect(isClearedCalibration(sent, sent)).toBe(false);
    expect(isClearedCalibration(sent, '{"threshold_cm":150,"heartbeat_s":60,"calibrate":false}')).toBe(false);
    expect(isClearedCalibration(sent, '{"threshold_cm":151,"heartbeat_s":60}')).toBe(false);
    expect(isClearedCalibration(sent, '{"threshold_cm":150}')).toBe(false);
    expect(isClearedCalibration(sent, '{"threshold_cm":150,"heartbeat_s":60,"pings":5}')).toBe(false);
    expect(isClearedCalibration(sent, "")).toBe(false);
    expect(isClearedCalibration(sent, "[1]")).toBe(false);
    // Nothing to clear when we never asked for a calibration.
    expect(isClearedCalibration('{"threshold_cm":150}', '{"threshold_cm":150}')).toBe(false);
  });
});
