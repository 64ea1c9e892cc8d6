/**
 * A failure the person at the bench can act on: the message is one sentence, printed as is
 * and without a stack trace. Anything else escaping the tools is a bug.
 */
export class ToolError extends Error {
  override name = "ToolError";
}
