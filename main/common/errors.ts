/**
 * An error the user can act on: `message` says what went wrong, `hint` what to do about it.
 * Everything that reaches a person (CLI, app, HTTP) is shown through this shape.
 */
export class UserError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
    this.code = code;
    this.hint = hint;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/** One line for a person: the message, then the hint when there is one. */
export function describeError(err: unknown): string {
  if (isUserError(err)) return err.hint ? `${err.message}\n  ${err.hint}` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
