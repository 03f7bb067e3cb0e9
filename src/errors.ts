/** Stable error codes: the CLI maps each to one exit code (src/cli/exit-codes.ts). */
export type ErrorCode =
  | 'E_USAGE' // bad flag or argument
  | 'E_INPUT' // unreadable, empty or undecodable input file
  | 'E_CSV' // malformed CSV that cannot be recovered (unclosed quote, runaway field)
  | 'E_NO_PHONE_COLUMN' // no column could be mapped to the phone
  | 'E_RESUME' // --resume refused: different input, options, or no state to resume
  | 'E_INSECURE' // TLS verification disabled without --insecure
  | 'E_AUTH' // the API refused the key (401/403)
  | 'E_UNAVAILABLE' // the API stayed unavailable (circuit open, retry budget spent)
  | 'E_INTERRUPTED' // SIGINT/SIGTERM after flushing
  | 'E_INTERNAL'; // a bug: reported with a stack at debug level only

/** Where in a file an error happened (1-based line and column). */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number | string;
}

/** The one error class of oiq-batch: a stable code, a message that says what and where, and context. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.context = Object.freeze({ ...context });
  }
}

/** Formats "file:line:column" for messages, omitting the parts that are unknown. */
export function formatLocation(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.column !== undefined) parts.push(`column ${loc.column}`);
  return parts.join(', ');
}

/** True when `err` is an AppError with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** Exit codes of the contract (PRODUCT.md), in one place. */
export const EXIT = {
  ok: 0,
  rowsFailed: 1,
  usage: 2,
  auth: 3,
  unavailable: 4,
  internal: 70,
  sigint: 130,
  sigterm: 143,
} as const;

/** The process exit code for an error that ended a command. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof AppError)) return EXIT.internal;
  switch (err.code) {
    case 'E_USAGE':
    case 'E_INPUT':
    case 'E_CSV':
    case 'E_NO_PHONE_COLUMN':
    case 'E_RESUME':
    case 'E_INSECURE':
      return EXIT.usage;
    case 'E_AUTH':
      return EXIT.auth;
    case 'E_UNAVAILABLE':
      return EXIT.unavailable;
    case 'E_INTERRUPTED':
      return err.context.signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    case 'E_INTERNAL':
      return EXIT.internal;
  }
}
