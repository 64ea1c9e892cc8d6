import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import ExcelJS from "exceljs";
import type { StoredChangeEvent } from "../store/types.js";
import { EXPORT_COLUMNS, exportValues } from "./cells.js";

/** Excel's own limit, header included; a longer export continues on `events-2`, `events-3`... */
const EXCEL_MAX_ROWS = 1_048_576;

/**
 * exceljs buffers whatever it is given without backpressure, so every this many rows the
 * export lets the zip stream run and waits while the output is full.
 */
const ROWS_PER_CHECK = 500;

const COLUMN_WIDTHS: Record<(typeof EXPORT_COLUMNS)[number], number> = {
  id: 10,
  timestamp: 26,
  zone: 12,
  spot: 12,
  state: 10,
  previous: 10,
  confidence: 11,
  distance_cm: 12,
  seq: 10,
  source: 8,
  reported_at: 26,
};

export interface XlsxExportOptions {
  /** Rows per worksheet, header included; Excel's limit by default. */
  rowsPerSheet?: number;
}

/** Excel dates carry no zone: the times are UTC, to the millisecond, and say so in the format. */
const TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss.000 "UTC"';
const TIME_COLUMNS = new Set<string>(["timestamp", "reported_at"]);

function addSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, index: number): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(index === 1 ? "events" : `events-${index}`);
  sheet.columns = EXPORT_COLUMNS.map((name) => ({
    header: name,
    key: name,
    width: COLUMN_WIDTHS[name],
    ...(TIME_COLUMNS.has(name) ? { style: { numFmt: TIME_FORMAT } } : {}),
  }));
  return sheet;
}

function drainedOrClosed(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      output.off("drain", settle);
      output.off("close", settle);
      resolve();
    };
    output.on("drain", settle);
    output.on("close", settle);
  });
}

async function whenWritable(output: Writable): Promise<void> {
  await nextTurn();
  if (output.writableNeedDrain && !output.destroyed) await drainedOrClosed(output);
  if (output.destroyed) throw new Error("The export's output closed before the export finished.");
}

/**
 * History as an .xlsx workbook, written with exceljs's streaming writer so memory stays flat.
 * Times are real Excel dates (sortable, usable in formulas) in UTC; text is written as text,
 * which a workbook never evaluates, so ids such as `-2` come back as they were. On failure
 * `output` is destroyed, so a truncated file never looks complete, and the error is rethrown.
 */
export async function xlsxExport(
  events: AsyncIterable<StoredChangeEvent>,
  output: Writable,
  options: XlsxExportOptions = {},
): Promise<void> {
  const rowsPerSheet = options.rowsPerSheet ?? EXCEL_MAX_ROWS;
  const outputDone = finished(output);
  // Observed below; until then a premature close must not surface as an unhandled rejection.
  outputDone.catch(() => {});
  try {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: output,
      // Styles carry the date-and-time format of the two time columns.
      useStyles: true,
      useSharedStrings: false,
    });
    let sheetIndex = 1;
    let sheet = addSheet(workbook, sheetIndex);
    let rowsInSheet = 1;
    let rows = 0;
    for await (const event of events) {
      if (rowsInSheet >= rowsPerSheet) {
        sheet.commit();
        sheetIndex += 1;
        sheet = addSheet(workbook, sheetIndex);
        rowsInSheet = 1;
      }
      sheet.addRow(exportValues(event)).commit();
      rowsInSheet += 1;
      rows += 1;
      if (rows % ROWS_PER_CHECK === 0) await whenWritable(output);
    }
    await Promise.all([workbook.commit(), outputDone]);
  } catch (error) {
    output.destroy();
    throw error;
  }
}
