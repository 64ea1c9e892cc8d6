import { type DestinationStream, type Logger, pino } from "pino";

const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/**
 * JSON lines when the output is a file or journald (machines read them); short readable
 * lines when a person watches a terminal. Errors show their message here, their stack only
 * at debug level.
 */
export function createLogger(level: string, name = "gateway", stream?: DestinationStream): Logger {
  const destination = stream ?? (process.stdout.isTTY ? humanStream(level) : pino.destination(1));
  return pino({ name, level, base: { name } }, destination);
}

function humanStream(level: string): DestinationStream {
  const showStacks = level === "debug" || level === "trace";
  return {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stdout.write(line);
        return;
      }
      const time = new Date(Number(record.time)).toTimeString().slice(0, 8);
      const levelName = LEVEL_NAMES[Number(record.level)] ?? String(record.level);
      const err = record.err as { message?: string; stack?: string } | undefined;
      const detail = err ? (showStacks ? `\n${err.stack ?? err.message}` : ` (${err.message})`) : "";
      const component = typeof record.component === "string" ? record.component : String(record.name);
      process.stdout.write(
        `${time} ${levelName.padEnd(5)} [${component}] ${String(record.msg ?? "")}${detail}\n`,
      );
    },
  };
}
