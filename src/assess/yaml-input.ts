/** @module Reads a user's YAML file (project file, answers) and validates it with zod, naming every bad field, its line and the fix. */
import { readFileSync, statSync } from 'node:fs';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { AisfError, type ErrorCode, type SourceLocation } from '../errors.js';

/** Bound on a project or answers file: real ones are a few KiB; refuse runaway input. */
export const MAX_INPUT_BYTES = 2 * 1024 * 1024;

/** One field problem: where, what, and how to fix it. */
export interface FieldIssue {
  /** Dotted path, e.g. `profile.sector` or `tests[0].criteria[1].op`. */
  field: string;
  message: string;
  location?: SourceLocation;
}

/** `['tests', 0, 'id']` → `tests[0].id`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key, i) =>
      typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}

/** Reads a file with a size bound; a missing file is E_FILE_NOT_FOUND naming it and the fix. */
export function readTextFile(file: string, shown: string, fix: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `${shown}: no such file; ${fix}`, {
      cause,
      location: { file: shown },
    });
  }
  if (size > MAX_INPUT_BYTES) {
    throw new AisfError(
      'E_INPUT',
      `${shown}: ${size} bytes is over the ${MAX_INPUT_BYTES}-byte limit for this file`,
      { location: { file: shown } },
    );
  }
  return readFileSync(file, 'utf8');
}

/** A parsed YAML document: its value and a function locating a path in it. */
export interface ParsedYaml {
  value: unknown;
  locate: (path: ReadonlyArray<PropertyKey>) => SourceLocation;
}

/** Parses YAML with duplicate-key and alias-bomb protection; syntax errors name file:line. */
export function parseYamlText(text: string, shown: string, code: ErrorCode): ParsedYaml {
  const lineCounter = new LineCounter();
  // uniqueKeys: a duplicated key silently overwriting a criterion is exactly what must not pass.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new AisfError(code, `invalid YAML: ${first.message.split('\n')[0]}`, {
      location: { file: shown, line: pos.line, column: pos.col },
    });
  }
  const locate = (path: ReadonlyArray<PropertyKey>): SourceLocation => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { file: shown, line: pos.line, column: pos.col };
      }
    }
    return { file: shown, line: 1, column: 1 };
  };
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion (the "billion laughs" attack on YAML parsers).
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new AisfError(code, `invalid YAML: ${(cause as Error).message}`, {
      cause,
      location: { file: shown, line: 1, column: 1 },
    });
  }
  return { value, locate };
}

/** Turns a zod issue into a message that says what is wrong in plain words. */
function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
    case 'invalid_type':
      return issue.message.includes('received undefined')
        ? `is required (${issue.expected})`
        : `must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    default:
      return issue.message;
  }
}

/**
 * Validates `value` against `schema`; on failure throws one AisfError listing every bad field
 * with its line and the fix (`hint(field)` supplies the per-field fix, e.g. an example value).
 */
export function validateInput<T>(
  schema: z.ZodType<T>,
  parsed: ParsedYaml,
  shown: string,
  code: ErrorCode,
  hint: (field: string) => string | undefined = () => undefined,
): T {
  const result = schema.safeParse(parsed.value);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => {
    const path = issue.path;
    const field = formatFieldPath(path) || '(top level)';
    const fix = hint(field.replace(/\[\d+\]/g, '[]'));
    return {
      field,
      message: `${issueMessage(issue)}${fix ? `; ${fix}` : ''}`,
      location: parsed.locate(path),
    };
  });
  const lines = issues.map((i) => `  ${shown}:${i.location?.line ?? 1}: ${i.field}: ${i.message}`);
  const first = issues[0];
  throw new AisfError(
    code,
    `${issues.length} problem${issues.length === 1 ? '' : 's'} in ${shown}:\n${lines.join('\n')}`,
    { ...(first?.location ? { location: first.location } : {}), details: { issues } },
  );
}
