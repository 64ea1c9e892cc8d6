import { afterEach } from "vitest";
import { EspruinoSandbox, type EspruinoSandboxOptions } from "../../sandbox/espruinoSandbox.js";

const open: EspruinoSandbox[] = [];

/** A sandbox that is stopped after the test, whatever happens. */
export function sandbox(options: EspruinoSandboxOptions = {}): EspruinoSandbox {
  const box = new EspruinoSandbox(options);
  open.push(box);
  return box;
}

afterEach(() => {
  for (const box of open.splice(0)) box.stop();
});

/** Evaluates an expression inside the sandbox and returns its value (primitives only). */
export function evaluate(box: EspruinoSandbox, expression: string): unknown {
  return box.run(`(${expression})`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * A Storage file that Espruino's writeJSON wrote, read on the host: the keys come unquoted
 * (`{zone:"A"}`), as on the interpreter, so plain JSON.parse refuses it.
 */
export function readEspruinoJson(text: string | undefined): Record<string, unknown> {
  return JSON.parse((text ?? "{}").replace(/([{,])([A-Za-z_$][\w$]*):/g, '$1"$2":')) as Record<
    string,
    unknown
  >;
}
