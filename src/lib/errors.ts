// Error types shared by every layer: a UserError is bad input (exit 2) and carries a message a person
// can act on; everything else is a fault of ours or of the world and keeps its cause.

/** Bad input from a user: a file, a flag, an argument. The CLI prints the message without a stack and exits 2. */
export class UserError extends Error {
  override name = 'UserError';
}

/** The message of anything thrown, for logs and journal entries. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/** Narrowing helper for Node's system errors (`ENOENT`, `EADDRINUSE`, ...). */
export function errnoCode(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
