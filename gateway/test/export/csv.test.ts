import { finished } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { EXPORT_COLUMNS } from "../../src/export/cells.js";
import { csvExport } from "../../src/export/csv.js";
import type { StoredChangeEvent } from "../../src/store/types.js";
import { CountingSource, changeEvent, expectedCells, fromArray, HOSTILE_EVENTS } from "./events.js";

const HEADER = `${EXPORT_COLUMNS.join(",")}\r\n`;

/** RFC 4180, strictly: CRLF between records, quotes doubled inside quoted fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else quoted = false;
    } else if (char === '"' && field === "") quoted = true;
    else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += 1;
    } else if (char === "\r" || char === "\n" || char === '"') {
      throw new Error(`Bare ${JSON.stringify(char)} outside quotes at ${i}`);
    } else field += char;
  }
  if (quoted || field !== "" || record.length > 0) throw new Error("Text does not end with CRLF");
  return records;
}

async function readAll(events: AsyncIterable<StoredChangeEvent>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of csvExport(events)) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const asCsvText = (cell: string | number | null) => (cell === null ? "" : String(cell));

describe("csvExport", () => {
  it("gives just the header for no events, without a BOM", async () => {
    const text = await readAll(fromArray([]));
    expect(text).toBe(HEADER);
  });

  it("parses back to the same values, text escaped and quoted", async () => {
    const records = parseCsv(await readAll(fromArray(HOSTILE_EVENTS)));
    expect(records[0]).toEqual([...EXPORT_COLUMNS]);
    expect(records.slice(1)).toEqual(HOSTILE_EVENTS.map((event) => expectedCells(event).map(asCsvText)));
  });

  it("neutralises formulas and quotes only what needs it", async () => {
    const lines = (await readAll(fromArray(HOSTILE_EVENTS.slice(0, 2)))).split("\r\n");
    expect(lines[1]).toBe(
      "1,2026-01-11T08:30:01.123Z,'=cmd|' /C calc'!A0,'+1,occupied,,0.875,120.5,1,mqtt,2026-01-11T08:30:00.873Z",
    );
    expect(lines[2]).toBe(
      "2,2026-01-11T08:30:02.123Z,'-2+3,'@SUM(1),free,occupied,0.875,120.5,2,mqtt,2026-01-11T08:30:01.873Z",
    );
  });

  it("writes numbers as numbers, negative ones unescaped", async () => {
    const lines = (await readAll(fromArray(HOSTILE_EVENTS.slice(4)))).split("\r\n");
    expect(lines[1]).toBe(
      "5,2026-01-11T08:30:05.123Z,plain,,occupied,free,0,0,-5,mqtt,2026-01-11T08:30:04.873Z",
    );
  });

  it("ends the header with reported_at and leaves it empty for an event without a node time", async () => {
    const lines = (await readAll(fromArray([changeEvent(8)]))).split("\r\n");
    expect(lines[0]?.endsWith(",source,reported_at")).toBe(true);
    expect(lines[1]).toBe("8,2026-01-11T08:30:08.123Z,A,S8,free,occupied,0.875,120.5,8,mqtt,");
  });

  it("streams 100 000 events, pulling the source only as it is read", async () => {
    const source = new CountingSource(100_000);
    const stream = csvExport(source);
    const chunks = stream[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(first.done).toBe(false);
    expect(source.pulled).toBeGreaterThan(0);
    expect(source.pulled).toBeLessThan(5_000);

    let lines = 0;
    let last: Buffer = first.value;
    for (let next = first; !next.done; next = await chunks.next()) {
      last = next.value;
      for (let at = last.indexOf("\r\n"); at !== -1; at = last.indexOf("\r\n", at + 2)) lines += 1;
    }
    expect(lines).toBe(100_001);
    expect(last.toString("utf8")).toMatch(/\r\n100000,[^\r\n]+\r\n$/);
    expect(source.closed).toBe(true);
  });

  it("closes the source when the reader gives up", async () => {
    const source = new CountingSource(100_000);
    const stream = csvExport(source);
    await stream[Symbol.asyncIterator]().next();
    stream.destroy();
    await finished(stream).catch(() => {});
    expect(source.closed).toBe(true);
    expect(source.pulled).toBeLessThan(5_000);
  });
});
