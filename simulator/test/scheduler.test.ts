import { describe, expect, it } from "vitest";
import { Pace } from "../src/clock.js";
import { Scheduler } from "../src/scheduler.js";

describe("Scheduler", () => {
  it("runs tasks in time order, ties in the order they were scheduled", () => {
    const s = new Scheduler(0);
    const ran: string[] = [];
    s.schedule(30, () => ran.push("c"));
    s.schedule(10, () => ran.push("a1"));
    s.schedule(20, () => ran.push("b"));
    s.schedule(10, () => ran.push("a2"));
    s.schedule(10, () => ran.push("a3"));
    expect(s.runUntil(25)).toBe(25);
    expect(ran).toEqual(["a1", "a2", "a3", "b"]);
    expect(s.nextAt()).toBe(30);
  });

  it("gives each task its own time as `now`, and tasks may schedule more", () => {
    const s = new Scheduler(0);
    const seen: number[] = [];
    const tick = (at: number): void => {
      seen.push(s.now);
      expect(s.now).toBe(at);
      if (at < 50) s.schedule(at + 10, tick);
    };
    s.schedule(0, tick);
    s.runUntil(100);
    expect(seen).toEqual([0, 10, 20, 30, 40, 50]);
    expect(s.now).toBe(100);
  });

  it("stops when the budget says so and reports how far it got", () => {
    const s = new Scheduler(0);
    for (let t = 1; t <= 100; t++) s.schedule(t, () => {});
    let steps = 0;
    const reached = s.runUntil(1000, () => ++steps <= 10);
    expect(reached).toBe(11);
    expect(s.size).toBe(90);
  });

  it("keeps heap order over many random insertions", () => {
    const s = new Scheduler(0);
    const times: number[] = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const t = x % 100_000;
      s.schedule(t, (at) => times.push(at));
    }
    s.runUntil(Number.MAX_SAFE_INTEGER);
    expect(times).toHaveLength(5000);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe("Pace", () => {
  it("targets speed × real time and measures lag and achieved speed", () => {
    let real = 1_000;
    const pace = new Pace(50_000, 60, () => real);
    real += 2_000;
    expect(pace.target()).toBe(50_000 + 120_000);
    expect(pace.lagMs(50_000 + 100_000)).toBe(20_000);
    expect(pace.lagMs(50_000 + 130_000)).toBe(0);
    expect(pace.achievedSpeed(50_000 + 60_000)).toBe(30);
  });
});
