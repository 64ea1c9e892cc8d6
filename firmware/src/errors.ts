/**
 * What went wrong, in words, for a console line: an Espruino error's `message` (its errors have
 * no `name`; docs/espruino.md, "Traps"), or the thrown value itself.
 */
export function describeError(e: unknown): string {
  if (typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") {
    return (e as { message: string }).message;
  }
  return e === undefined ? "no detail" : String(e);
}
