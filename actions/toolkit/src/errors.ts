/**
 * An error whose message is meant for the operator: it names the input, file or tool and what was
 * expected. It is reported without a stack trace; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  /** Where the problem is, when it is in a file: used for the failure annotation. */
  readonly file?: string;
  readonly line?: number;

  constructor(message: string, where?: { file?: string; line?: number }) {
    super(message);
    this.name = 'UserError';
    this.file = where?.file;
    this.line = where?.line;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
