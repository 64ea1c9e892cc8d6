import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, type ExportValue, exportValues } from "../../src/export/cells.js";
import { xlsxExport } from "../../src/export/xlsx.js";
import type { StoredChangeEvent } from "../../src/store/types.js";
import { CountingSource, changeEvent, fromArray, HOSTILE_EVENTS } from "./events.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "parking-xlsx-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let files = 0;
async function writeAndRead(events: AsyncIterable<StoredChangeEvent>, rowsPerSheet?: number) {
  files += 1;
  const path = join(dir, `export-${files}.xlsx`);
  await xlsxExport(events, createWriteStream(path), { rowsPerSheet });
  return new ExcelJS.Workbook().xlsx.readFile(path);
}

/** XML turns every CR into LF, and an empty text cell reads back as no value. */
function asXlsxValue(cell: ExportValue): ExportValue {
  if (cell === "") return null;
  return typeof cell === "string" ? cell.replace(/\r\n?/g, "\n") : cell;
}

function sheetValues(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    rows.push(EXPORT_COLUMNS.map((_, index) => row.getCell(index + 1).value));
  });
  return rows;
}

describe("xlsxExport", () => {
  it("writes one `events` sheet that reads back with the same values", async () => {
    const workbook = await writeAndRead(fromArray(HOSTILE_EVENTS));
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(["events"]);
    const [header, ...rows] = sheetValues(workbook.getWorksheet("events") as ExcelJS.Worksheet);
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(rows).toEqual(HOSTILE_EVENTS.map((event) => exportValues(event).map(asXlsxValue)));
  });

  it("writes text as text, never a formula and without CSV's apostrophe, and numbers as numbers", async () => {
    const workbook = await writeAndRead(fromArray(HOSTILE_EVENTS.slice(0, 2)));
    const sheet = workbook.getWorksheet("events") as ExcelJS.Worksheet;
    expect(sheet.getCell("C2").value).toBe("=cmd|' /C calc'!A0");
    expect(sheet.getCell("D2").value).toBe("+1");
    expect(sheet.getCell("C3").value).toBe("-2+3");
    expect(sheet.getCell("D3").value).toBe("@SUM(1)");
    expect(sheet.getCell("C2").type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getCell("D2").type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getCell("G2").type).toBe(ExcelJS.ValueType.Number);
  });

  it("writes the times as Excel dates in UTC, shown to the millisecond", async () => {
    const event = changeEvent(1, {
      ts: Date.UTC(2026, 0, 11, 8, 30, 3, 123),
      reportedAt: Date.UTC(2026, 0, 11, 8, 30, 2),
    });
    const workbook = await writeAndRead(fromArray([event]));
    const sheet = workbook.getWorksheet("events") as ExcelJS.Worksheet;
    for (const [address, ms] of [
      ["B2", event.ts],
      ["K2", event.reportedAt as number],
    ] as const) {
      const cell = sheet.getCell(address);
      expect(cell.type).toBe(ExcelJS.ValueType.Date);
      expect((cell.value as Date).getTime()).toBe(ms);
      expect(cell.numFmt).toBe('yyyy-mm-dd hh:mm:ss.000 "UTC"');
    }
  });

  it("gives just the header for no events", async () => {
    const workbook = await writeAndRead(fromArray([]));
    expect(sheetValues(workbook.getWorksheet("events") as ExcelJS.Worksheet)).toEqual([[...EXPORT_COLUMNS]]);
  });

  it("continues on a new sheet, with its own header, when one is full", async () => {
    const events = [1, 2, 3, 4, 5].map((id) => changeEvent(id));
    const workbook = await writeAndRead(fromArray(events), 3);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(["events", "events-2", "events-3"]);
    const ids = workbook.worksheets.map((sheet) => sheetValues(sheet).map((row) => row[0]));
    expect(ids).toEqual([
      ["id", 1, 2],
      ["id", 3, 4],
      ["id", 5],
    ]);
  });

  it("stops pulling the source while the output is full, and stops when it closes", async () => {
    const source = new CountingSource(100_000);
    const stalled = new Writable({ highWaterMark: 16 * 1024, write: () => {} });
    const exporting = xlsxExport(source, stalled);
    await expect.poll(() => stalled.writableNeedDrain, { timeout: 10_000 }).toBe(true);
    // The export looks at the output every few hundred rows; let it reach the next look.
    await sleep(100);
    const pulled = source.pulled;
    await sleep(200);
    expect(source.pulled).toBe(pulled);
    expect(pulled).toBeLessThan(20_000);

    stalled.destroy();
    await expect(exporting).rejects.toThrow(/closed before the export finished/);
    expect(source.closed).toBe(true);
  });

  it("stops and closes the source when a download is aborted", async () => {
    const source = new CountingSource(10_000_000);
    let outcome: Promise<unknown> | undefined;
    const server = createServer((_req, res) => {
      outcome = xlsxExport(source, res).catch((error: unknown) => error);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const request = get({ host: "127.0.0.1", port }, (res) => {
      res.once("data", () => request.destroy());
    });
    request.on("error", () => {});
    await expect.poll(() => outcome !== undefined).toBe(true);
    expect(await outcome).toBeInstanceOf(Error);
    expect(source.closed).toBe(true);
    expect(source.pulled).toBeLessThan(10_000_000);
    await new Promise((resolve) => server.close(resolve));
  });

  it("destroys the output when the source fails", async () => {
    async function* failing(): AsyncGenerator<StoredChangeEvent> {
      yield changeEvent(1);
      throw new Error("database went away");
    }
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    await expect(xlsxExport(failing(), sink)).rejects.toThrow("database went away");
    expect(sink.destroyed).toBe(true);
  });
});
