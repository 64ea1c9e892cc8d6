/**
 * Times sequential GETs of one URL, run as its own process (as a dashboard on another machine
 * would be): in the bench process, publishing heartbeats and its own garbage collection showed
 * up as the gateway's latency (p99 20 ms there against 5.6 ms from a separate client).
 *
 *   node httpTimer.js <url> <count> <time-box-s> <warmup> <body-file>
 *
 * node:http with keep-alive; a body is counted, not decoded, except the last, written to
 * <body-file> for the caller to read. Prints one JSON line: HttpTimerResult.
 */
import { writeFileSync } from "node:fs";
import { Agent, get } from "node:http";

export interface HttpTimerResult {
  /** Each timed request, ms: request written → last byte of the body. */
  times: number[];
  /** The first request of all, before V8 optimised anything on either side. */
  firstMs: number;
  bytes: number;
}

async function main(url: string, count: number, timeBoxS: number, warmup: number, bodyFile: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let firstMs = Number.NaN;
  let bytes = 0;
  let last: Buffer[] = [];
  const deadline = performance.now() + timeBoxS * 1000;
  for (let i = 0; i < count + warmup && (i < 10 + warmup || performance.now() < deadline); i++) {
    const t0 = performance.now();
    const { status, chunks } = await new Promise<{ status: number; chunks: Buffer[] }>((resolve, reject) => {
      get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, chunks }));
        response.on("error", reject);
      }).on("error", reject);
    });
    const ms = performance.now() - t0;
    if (i === 0) firstMs = ms;
    if (i >= warmup) times.push(ms);
    bytes = chunks.reduce((sum, c) => sum + c.length, 0);
    last = chunks;
    if (status !== 200) {
      throw new Error(`GET ${url} answered ${status}: ${Buffer.concat(chunks).toString().slice(0, 200)}`);
    }
  }
  agent.destroy();
  writeFileSync(bodyFile, Buffer.concat(last));
  const result: HttpTimerResult = { times, firstMs, bytes };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const [url = "", count = "", timeBoxS = "", warmup = "", bodyFile = ""] = process.argv.slice(2);
main(url, Number(count), Number(timeBoxS), Number(warmup), bodyFile).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
