import type { MqttClient } from "mqtt";

export interface FlipStreamOptions {
  spots: number;
  ratePerS: number;
  /** Topic of spot number i. */
  topic: (i: number) => string;
}

/** A paced stream of QoS 1 reports and what the broker made of it so far. */
export interface FlipStream {
  readonly published: number;
  readonly acknowledged: number;
  readonly failures: readonly string[];
  /** Stops publishing, then waits (at most `settleMs`) until every publish is acknowledged or failed. */
  stop(settleMs?: number): Promise<void>;
}

/**
 * Publishes at `ratePerS`, round robin over `spots`, reports that each flip their spot
 * (occupied, free, occupied... with seq 1, 2, 3...), so every report stored is exactly one change
 * event and a fault test can count what was lost or stored twice.
 */
export function startFlipStream(client: MqttClient, o: FlipStreamOptions): FlipStream {
  let published = 0;
  let acknowledged = 0;
  const failures: string[] = [];
  const pending: Array<Promise<void>> = [];
  const seqs = new Array<number>(o.spots).fill(0);
  let publishing = true;
  const started = Date.now();
  const pace = (async () => {
    while (publishing) {
      const due = Math.floor(((Date.now() - started) * o.ratePerS) / 1000);
      while (published < due) {
        const i = published % o.spots;
        const seq = (seqs[i] ?? 0) + 1;
        seqs[i] = seq;
        const payload = JSON.stringify({
          status: seq % 2 === 1 ? "occupied" : "free",
          confidence: 0.9,
          seq,
          reason: "change",
        });
        published += 1;
        pending.push(
          client.publishAsync(o.topic(i), payload, { qos: 1 }).then(
            () => {
              acknowledged += 1;
            },
            (error: Error) => {
              failures.push(error.message);
            },
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    get published() {
      return published;
    },
    get acknowledged() {
      return acknowledged;
    },
    failures,
    async stop(settleMs = 20_000) {
      publishing = false;
      await pace;
      await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, settleMs))]);
    },
  };
}
