import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";

/**
 * Ground truth as JSON lines, one object per line, so tests and benchmarks can score what the
 * gateway saw against what happened:
 *
 *   {"type":"start","t":…,"real":…,"speed":…,"seed":…,"profile":"office","cycle_ms":2300,"zones":[{"zone":"Zone_A","spots":["place_1",…]}]}
 *   {"type":"arrival","t":…,"zone":"Zone_A","spot":"place_3","vehicle":"car","initial":true}   (parked at the start)
 *   {"type":"arrival","t":…,"zone":"Zone_A","spot":"place_5","vehicle":"suv"}
 *   {"type":"departure","t":…,"zone":"Zone_A","spot":"place_3"}
 *   {"type":"turned_away","t":…}
 *   {"type":"fault","t":…,"fault":"dropout","zone":…,"spot":…,"until":…}
 *   {"type":"end","t":…,"real":…,"arrivals":…,"departures":…,"turned_away":…}
 *
 * `t` is the simulated clock, epoch ms; `real` is the wall clock when the line was written.
 */
export type TruthLine = { type: string; t: number } & Record<string, unknown>;

export class TruthWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    stream: WriteStream,
  ) {
    this.stream = stream;
    stream.on("error", (error) => {
      this.failure = error;
    });
  }

  /** Opens (truncates) the file; a path that cannot be written is one sentence naming --truth. */
  static async open(path: string): Promise<TruthWriter> {
    const stream = createWriteStream(path, { flags: "w" });
    try {
      await once(stream, "open");
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === "ENOENT"
          ? "its folder does not exist"
          : String((error as Error).message);
      throw new Error(`--truth: cannot write ${path}: ${reason}.`);
    }
    return new TruthWriter(path, stream);
  }

  write(line: TruthLine): void {
    if (this.failure === undefined) this.stream.write(`${JSON.stringify(line)}\n`);
  }

  /** Flushes and closes; rejects if any write failed (a full disk), so nobody scores a cut file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.end(resolve));
    if (this.failure !== undefined)
      throw new Error(`--truth: writing ${this.path} failed: ${this.failure.message}.`);
  }
}

/** Reads a truth file back (for scoring); lines it cannot parse are an error naming the line. */
export function parseTruth(text: string): TruthLine[] {
  const lines: TruthLine[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`truth file line ${i + 1} is not JSON`);
    }
    const line = value as TruthLine;
    if (typeof line.type !== "string" || typeof line.t !== "number") {
      throw new Error(`truth file line ${i + 1} lacks type or t`);
    }
    lines.push(line);
  }
  return lines;
}
