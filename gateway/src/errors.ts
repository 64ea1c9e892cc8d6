/**
 * An error a person can act on: its message is one sentence that says what to do, printed
 * without a stack trace. Everything else is a bug and keeps its stack for the debug log.
 */
export class UserFacingError extends Error {
  override name = "UserFacingError";
}

export function isUserFacing(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}
