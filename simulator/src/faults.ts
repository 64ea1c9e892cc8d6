import type { Random } from "./random.js";
import type { NodeUplink } from "./sensorNode.js";

export type FaultName = "dropout" | "disconnect" | "stuck" | "duplicate" | "reorder" | "malformed" | "skew";

export type FaultRates = Record<FaultName, number>;

interface FaultSpec {
  name: FaultName;
  /** What the rate counts, for the help text and error sentences. */
  unit: string;
  max: number;
  description: string;
}

/** Every fault `--faults` knows, with what its rate means. */
export const FAULTS: readonly FaultSpec[] = [
  {
    name: "dropout",
    unit: "per node per simulated hour",
    max: 1000,
    description: "the node loses power: its connection dies, the last will fires, it reboots minutes later",
  },
  {
    name: "disconnect",
    unit: "per node per simulated hour",
    max: 1000,
    description: "the broker drops the node's connection; it reconnects with backoff",
  },
  {
    name: "stuck",
    unit: "per node per simulated hour",
    max: 1000,
    description: "the sensor repeats one reading whatever is below it, for a while",
  },
  { name: "duplicate", unit: "share of reports, 0 to 1", max: 1, description: "a report is delivered twice" },
  {
    name: "reorder",
    unit: "share of reports, 0 to 1",
    max: 1,
    description: "a report is held back and delivered after the node's next one",
  },
  {
    name: "malformed",
    unit: "share of reports, 0 to 1",
    max: 1,
    description: "a report is replaced by a payload the contract refuses",
  },
  {
    name: "skew",
    unit: "share of nodes, 0 to 1",
    max: 1,
    description: "the node's clock is off by 1 to 30 minutes either way",
  },
];

export const NO_FAULTS: FaultRates = {
  dropout: 0,
  disconnect: 0,
  stuck: 0,
  duplicate: 0,
  reorder: 0,
  malformed: 0,
  skew: 0,
};

/** Parses "dropout=0.5,duplicate=0.01" (or "none"); an error is one sentence naming the flag. */
export function parseFaults(spec: string, flag = "--faults"): FaultRates | string {
  const rates: FaultRates = { ...NO_FAULTS };
  const trimmed = spec.trim();
  if (trimmed === "" || trimmed === "none") return rates;
  const known = FAULTS.map((f) => f.name).join(", ");
  for (const part of trimmed.split(",")) {
    const [name = "", value, ...extra] = part.trim().split("=");
    const fault = FAULTS.find((f) => f.name === name.trim());
    if (fault === undefined) {
      return `${flag}: unknown fault "${name.trim()}"; known faults are ${known}, each as name=rate.`;
    }
    const rate = Number(value);
    if (value === undefined || extra.length > 0 || value.trim() === "" || !Number.isFinite(rate)) {
      return `${flag}: ${fault.name} needs a rate, like ${fault.name}=0.1; got "${part.trim()}".`;
    }
    if (rate < 0 || rate > fault.max) {
      return `${flag}: ${fault.name} must be from 0 to ${fault.max} (${fault.unit}); got ${value.trim()}.`;
    }
    rates[fault.name] = rate;
  }
  return rates;
}

/** Payloads the gateway must refuse and count; each breaks the contract a different way. */
const MALFORMED: ReadonlyArray<string | Buffer> = [
  '{"status":"occ',
  '{"status":"maybe","confidence":0.9}',
  '{"status":"free","confidence":7}',
  '{"status":"occupied","distance_cm":-12}',
  "occupied",
  "[1,2,3]",
  Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
];

/** Faults injected so far, by name. */
export type FaultCounts = Record<FaultName, number>;

/**
 * Delivery faults between a node and the broker: wraps a node's uplink so some reports arrive
 * twice, late (after the next one), or mangled. Random draws come from their own source, so
 * turning faults on does not change the traffic or the sensor readings of a seeded run.
 */
export class DeliveryFaults {
  constructor(
    private readonly rates: FaultRates,
    private readonly random: Random,
    private readonly counts: FaultCounts,
  ) {}

  get active(): boolean {
    return this.rates.duplicate > 0 || this.rates.reorder > 0 || this.rates.malformed > 0;
  }

  wrap(uplink: NodeUplink): NodeUplink {
    if (!this.active) return uplink;
    const { rates, random, counts } = this;
    let held: { topic: string; payload: string | Buffer } | null = null;
    const deliver = (topic: string, payload: string | Buffer): void => {
      const u = random.next();
      if (u < rates.malformed) {
        counts.malformed += 1;
        uplink.publish(topic, MALFORMED[random.int(MALFORMED.length)] ?? "");
        return;
      }
      if (u < rates.malformed + rates.reorder && held === null) {
        counts.reorder += 1;
        held = { topic, payload };
        return;
      }
      uplink.publish(topic, payload);
      if (held !== null) {
        uplink.publish(held.topic, held.payload);
        held = null;
      }
      if (random.next() < rates.duplicate) {
        counts.duplicate += 1;
        uplink.publish(topic, payload);
      }
    };
    return {
      connected: () => uplink.connected(),
      publish: deliver,
      print: (line) => {
        // On serial the same faults mangle or repeat a line.
        const u = random.next();
        if (u < rates.malformed) {
          counts.malformed += 1;
          uplink.print(String(MALFORMED[random.int(MALFORMED.length - 1)]));
          return;
        }
        uplink.print(line);
        if (random.next() < rates.duplicate) {
          counts.duplicate += 1;
          uplink.print(line);
        }
      },
      rssi: () => uplink.rssi(),
    };
  }
}
