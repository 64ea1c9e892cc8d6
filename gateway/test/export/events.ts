import type { StoredChangeEvent } from "../../src/store/types.js";

export const T0 = Date.UTC(2026, 0, 11, 8, 30, 0, 123);

/** The node's clock runs 250 ms behind the gateway's; every fourth event came with no node time. */
export function changeEvent(id: number, overrides: Partial<StoredChangeEvent> = {}): StoredChangeEvent {
  return {
    id,
    ts: T0 + id * 1000,
    zone: "A",
    spot: `S${id % 40}`,
    state: id % 2 === 0 ? "free" : "occupied",
    previous: id === 1 ? null : id % 2 === 0 ? "occupied" : "free",
    confidence: 0.875,
    distanceCm: id % 3 === 0 ? null : 120.5,
    seq: id % 5 === 0 ? null : id,
    reportedAt: id % 4 === 0 ? null : T0 + id * 1000 - 250,
    source: "mqtt",
    ...overrides,
  };
}

/** Events that try to break cells: formulas, separators, quotes and line breaks in text. */
export const HOSTILE_EVENTS: StoredChangeEvent[] = [
  changeEvent(1, { zone: "=cmd|' /C calc'!A0", spot: "+1" }),
  changeEvent(2, { zone: "-2+3", spot: "@SUM(1)" }),
  changeEvent(3, { zone: "\tTab", spot: "\rReturn" }),
  changeEvent(4, { zone: 'say "hi", then', spot: "line\r\nbreak\nand\rmore" }),
  changeEvent(5, { zone: "plain", spot: "", seq: -5, distanceCm: 0, confidence: 0 }),
];

/** Counts how far a consumer has pulled, and whether the source was closed. */
export class CountingSource implements AsyncIterable<StoredChangeEvent> {
  pulled = 0;
  closed = false;

  constructor(private readonly count: number) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<StoredChangeEvent> {
    try {
      for (let id = 1; id <= this.count; id += 1) {
        this.pulled = id;
        yield changeEvent(id);
      }
    } finally {
      this.closed = true;
    }
  }
}

export async function* fromArray(events: StoredChangeEvent[]): AsyncGenerator<StoredChangeEvent> {
  yield* events;
}

/** The cells an export should hold for an event, text escaped as a spreadsheet needs. */
export function expectedCells(event: StoredChangeEvent): Array<string | number | null> {
  const text = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
  return [
    event.id,
    new Date(event.ts).toISOString(),
    text(event.zone),
    text(event.spot),
    event.state,
    event.previous,
    event.confidence,
    event.distanceCm,
    event.seq,
    event.source,
    event.reportedAt === null ? null : text(new Date(event.reportedAt).toISOString()),
  ];
}
