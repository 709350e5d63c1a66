/** @module The one error model of aisf: stable codes, one table mapping code → CLI exit code and HTTP status. */

/**
 * CLI exit codes (STYLE.md): 0 ok, 1 findings at or above the threshold, 2 usage / config /
 * input error, 3 internal error.
 */
export const EXIT = {
  OK: 0,
  FINDINGS: 1,
  USAGE: 2,
  INTERNAL: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Every error code aisf raises, with its exit code and HTTP status. Codes are stable strings:
 * tools and tests match on them, never on message text.
 */
export const ERROR_CODES = {
  E_USAGE: { exit: EXIT.USAGE, http: 400, summary: 'bad command line: unknown command or option' },
  E_INPUT: { exit: EXIT.USAGE, http: 400, summary: 'invalid input value' },
  E_CONFIG: { exit: EXIT.USAGE, http: 400, summary: 'invalid configuration' },
  E_FILE_NOT_FOUND: { exit: EXIT.USAGE, http: 404, summary: 'a file or folder does not exist' },
  E_FILE_READ: { exit: EXIT.USAGE, http: 400, summary: 'a file could not be read' },
  E_NOT_FOUND: { exit: EXIT.USAGE, http: 404, summary: 'no item with that id' },
  E_CATALOG_YAML: { exit: EXIT.USAGE, http: 400, summary: 'a catalogue file is not valid YAML' },
  E_CATALOG_SCHEMA: {
    exit: EXIT.USAGE,
    http: 400,
    summary: 'a catalogue item does not match the schema',
  },
  E_CATALOG_INVALID: {
    exit: EXIT.USAGE,
    http: 400,
    summary: 'the catalogue failed validation (links, counts, coverage)',
  },
  E_MODEL_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'a model file is malformed' },
  E_MODEL_UNSUPPORTED_OP: {
    exit: EXIT.USAGE,
    http: 422,
    summary: 'a model uses an op aisf cannot run or differentiate',
  },
  E_MODEL_UNSAFE: {
    exit: EXIT.USAGE,
    http: 422,
    summary: 'a model failed the safety scan and was not loaded',
  },
  E_DATA_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'a data file is malformed' },
  E_PRIVACY_BUDGET: {
    exit: EXIT.USAGE,
    http: 403,
    summary: 'the query would exceed the privacy budget',
  },
  E_UPSTREAM: { exit: EXIT.USAGE, http: 502, summary: 'an upstream service failed' },
  E_QUERY_BUDGET: { exit: EXIT.USAGE, http: 429, summary: 'a model query budget is spent' },
  E_STORE: { exit: EXIT.INTERNAL, http: 500, summary: 'the database failed' },
  E_UNAVAILABLE: {
    exit: EXIT.USAGE,
    http: 503,
    summary: 'a needed program or service is not available',
  },
  E_INTERNAL: { exit: EXIT.INTERNAL, http: 500, summary: 'internal error (a bug in aisf)' },
} as const satisfies Record<string, { exit: ExitCode; http: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where in an input file a problem is, 1-based, so editors can jump to it. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface AisfErrorOptions {
  cause?: unknown;
  location?: SourceLocation;
  /** Extra structured detail for `--format json` and `--verbose` (never secrets). */
  details?: unknown;
}

/**
 * The base error of aisf. The message is safe to show to users: it names the field or file and
 * the fix, and never contains secrets, tokens, prompts or payloads.
 *
 * @example
 * throw new AisfError('E_NOT_FOUND', 'no catalogue item "risk.foo"; try `aisf catalog search foo`');
 */
export class AisfError extends Error {
  override readonly name = 'AisfError';
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: AisfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.location = options.location;
    this.details = options.details;
  }

  /** The CLI exit code for this error (see ERROR_CODES). */
  get exitCode(): ExitCode {
    return ERROR_CODES[this.code].exit;
  }

  /** The HTTP status for this error (see ERROR_CODES). */
  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  /** A JSON-safe view for machine output. */
  toJSON(): { code: ErrorCode; message: string; location?: SourceLocation; details?: unknown } {
    return {
      code: this.code,
      message: this.message,
      ...(this.location ? { location: this.location } : {}),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Wraps anything thrown into an AisfError; unknown errors become E_INTERNAL (exit 3). */
export function toAisfError(error: unknown): AisfError {
  if (error instanceof AisfError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AisfError('E_INTERNAL', `internal error: ${message}`, { cause: error });
}

/** Formats a location as `file:line:column` (the form editors and terminals link). */
export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) text += `:${location.line}`;
  if (location.line !== undefined && location.column !== undefined) text += `:${location.column}`;
  return text;
}
