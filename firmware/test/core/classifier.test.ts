import { describe, expect, it } from "vitest";
import {
  type ClassifierSettings,
  type ClassifierState,
  classifierSettings,
  classify,
  initialClassifier,
  verdictOf,
} from "../../src/core/classifier.js";
import { MIN_VALID_SHARE } from "../../src/core/confidence.js";
import type { Reading } from "../../src/core/filter.js";
import { DEFAULT_SETTINGS } from "../../src/core/settings.js";

const SETTINGS: ClassifierSettings = {
  thresholdCm: 200,
  hysteresisCm: 20,
  cyclesToChange: 2,
  minValidShare: 0.5,
};

function at(distanceCm: number | null, valid = 5, total = 5): Reading {
  return { distanceCm, valid, total, spreadCm: 0 };
}

const MISSING = at(null, 0);

function stateOf(status: ClassifierState["status"]): ClassifierState {
  return { status, candidate: null, agreeing: 0 };
}

/** Runs readings through the classifier and lists the reported status after each. */
function run(readings: Reading[], settings: ClassifierSettings, from: ClassifierState): string[] {
  let state = from;
  const out: string[] = [];
  for (const reading of readings) {
    state = classify(state, reading, settings).state;
    out.push(state.status);
  }
  return out;
}

describe("verdictOf", () => {
  it.each([
    [189.99, "free", "occupied"],
    [190, "free", "free"],
    [190, "occupied", "occupied"],
    [200, "free", "free"],
    [200, "occupied", "occupied"],
    [210, "occupied", "occupied"],
    [210.01, "occupied", "free"],
  ] as const)("reads %s cm as %s -> %s (band 190..210 keeps the status)", (cm, current, expected) => {
    expect(verdictOf(at(cm), current, SETTINGS)).toBe(expected);
  });

  it("decides by the bare threshold inside the band when there is no status yet", () => {
    expect(verdictOf(at(199.99), "unknown", SETTINGS)).toBe("occupied");
    expect(verdictOf(at(200), "unknown", SETTINGS)).toBe("free");
  });

  it("is unknown below the valid share and known at it", () => {
    expect(verdictOf(at(120, 2, 5), "occupied", SETTINGS)).toBe("unknown");
    expect(verdictOf(at(120, 3, 5), "free", SETTINGS)).toBe("occupied");
    expect(verdictOf(at(120, 2, 4), "free", SETTINGS)).toBe("occupied");
    expect(verdictOf(MISSING, "free", SETTINGS)).toBe("unknown");
    expect(verdictOf(at(120, 0, 0), "free", SETTINGS)).toBe("unknown");
  });

  it("treats zero hysteresis as a bare threshold", () => {
    const sharp = { thresholdCm: 200, hysteresisCm: 0, cyclesToChange: 2, minValidShare: 0.5 };
    expect(verdictOf(at(199.99), "free", sharp)).toBe("occupied");
    expect(verdictOf(at(200), "free", sharp)).toBe("free");
    expect(verdictOf(at(200), "occupied", sharp)).toBe("occupied");
    expect(verdictOf(at(200.01), "occupied", sharp)).toBe("free");
  });
});

describe("classify", () => {
  it("starts unknown and adopts the first usable verdict at once", () => {
    expect(initialClassifier()).toEqual({ status: "unknown", candidate: null, agreeing: 0 });
    const first = classify(initialClassifier(), at(250), SETTINGS);
    expect(first).toMatchObject({ status: "free", changed: true, verdict: "free" });
    expect(first.state).toEqual(stateOf("free"));
  });

  it("stays unknown at boot while the sensor gives nothing", () => {
    expect(run([MISSING, MISSING, MISSING], SETTINGS, initialClassifier())).toEqual([
      "unknown",
      "unknown",
      "unknown",
    ]);
  });

  it("changes after cyclesToChange agreeing cycles, not before", () => {
    const first = classify(stateOf("free"), at(120), SETTINGS);
    expect(first).toMatchObject({ status: "free", changed: false, verdict: "occupied" });
    expect(first.state).toEqual({ status: "free", candidate: "occupied", agreeing: 1 });
    const second = classify(first.state, at(120), SETTINGS);
    expect(second).toMatchObject({ status: "occupied", changed: true });
    expect(second.state).toEqual(stateOf("occupied"));
  });

  it("restarts the count when a cycle agrees with the current status", () => {
    expect(run([at(120), at(250), at(120), at(120)], SETTINGS, stateOf("free"))).toEqual([
      "free",
      "free",
      "free",
      "occupied",
    ]);
  });

  it("restarts the count when a cycle band-reads (the band keeps the status)", () => {
    expect(run([at(120), at(205), at(120), at(120)], SETTINGS, stateOf("free"))).toEqual([
      "free",
      "free",
      "free",
      "occupied",
    ]);
  });

  it("restarts the count when the candidate changes", () => {
    const s = classify(stateOf("free"), at(120), SETTINGS).state;
    const unknownNext = classify(s, MISSING, SETTINGS);
    expect(unknownNext.state).toEqual({ status: "free", candidate: "unknown", agreeing: 1 });
    expect(classify(unknownNext.state, at(120), SETTINGS).state).toEqual({
      status: "free",
      candidate: "occupied",
      agreeing: 1,
    });
  });

  it("changes on the first cycle when cyclesToChange is 1, and after 4 when it is 4", () => {
    expect(run([at(120)], { ...SETTINGS, cyclesToChange: 1 }, stateOf("free"))).toEqual(["occupied"]);
    const four = run(
      [at(120), at(120), at(120), at(120)],
      { ...SETTINGS, cyclesToChange: 4 },
      stateOf("free"),
    );
    expect(four).toEqual(["free", "free", "free", "occupied"]);
  });

  it("turns a failing sensor unknown after cyclesToChange cycles without echoes", () => {
    expect(run([MISSING, MISSING, MISSING], SETTINGS, stateOf("occupied"))).toEqual([
      "occupied",
      "unknown",
      "unknown",
    ]);
    expect(run([at(120, 2), at(120, 1)], SETTINGS, stateOf("occupied"))).toEqual(["occupied", "unknown"]);
  });

  it("leaves unknown on the first usable cycle after the sensor recovers", () => {
    expect(classify(stateOf("unknown"), at(120), SETTINGS)).toMatchObject({
      status: "occupied",
      changed: true,
    });
  });

  it("rates the reported status: the reading's confidence when the cycle supports it", () => {
    expect(classify(stateOf("occupied"), at(120), SETTINGS).confidence).toBe(1);
    expect(classify(stateOf("occupied"), at(195), SETTINGS).confidence).toBeCloseTo(5 / 30, 10);
    expect(classify(initialClassifier(), at(250), SETTINGS).confidence).toBe(1);
  });

  it("rates the reported status by the complement while a contradicting cycle is counted", () => {
    const held = classify(stateOf("occupied"), at(250, 4), SETTINGS);
    expect(held).toMatchObject({ status: "occupied", verdict: "free" });
    expect(held.confidence).toBeCloseTo(0.2, 10);
  });

  it("rates 0 when the reported status or the cycle is unknown", () => {
    expect(classify(stateOf("occupied"), MISSING, SETTINGS)).toMatchObject({
      status: "occupied",
      confidence: 0,
    });
    expect(classify(initialClassifier(), MISSING, SETTINGS).confidence).toBe(0);
  });

  it("does not modify the state it is given", () => {
    const state = { status: "free", candidate: "occupied", agreeing: 1 } as ClassifierState;
    classify(state, at(120), SETTINGS);
    expect(state).toEqual({ status: "free", candidate: "occupied", agreeing: 1 });
  });
});

describe("classifierSettings", () => {
  it("takes the node's threshold, band and cycles, and the half of the pings a reading needs", () => {
    expect(classifierSettings(DEFAULT_SETTINGS)).toEqual({
      thresholdCm: 205,
      hysteresisCm: 20,
      cyclesToChange: 2,
      minValidShare: MIN_VALID_SHARE,
    });
    expect(MIN_VALID_SHARE).toBe(0.5);
  });
});
