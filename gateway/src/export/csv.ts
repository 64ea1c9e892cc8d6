import { Readable } from "node:stream";
import type { StoredChangeEvent } from "../store/types.js";
import { EXPORT_COLUMNS, type ExportCell, exportRow } from "./cells.js";

/** Rows are joined into chunks of about this many characters: one push per row is slow. */
const CHUNK_CHARS = 64 * 1024;

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(cell: ExportCell): string {
  if (cell === null) return "";
  if (typeof cell === "number") return String(cell);
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function csvLine(cells: readonly ExportCell[]): string {
  return `${cells.map(csvField).join(",")}\r\n`;
}

async function* csvChunks(events: AsyncIterable<StoredChangeEvent>): AsyncGenerator<string> {
  let chunk = csvLine(EXPORT_COLUMNS);
  for await (const event of events) {
    chunk += csvLine(exportRow(event));
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  yield chunk;
}

/**
 * History as RFC 4180 CSV (CRLF, no BOM). The source is pulled only as fast as the reader
 * reads, so memory stays flat; destroying the stream stops the source (its `return()` runs).
 */
export function csvExport(events: AsyncIterable<StoredChangeEvent>): Readable {
  return Readable.from(csvChunks(events), { objectMode: false });
}
