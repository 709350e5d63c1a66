import { describe, expect, it } from 'vitest';
import { AisfError, ERROR_CODES, EXIT, formatLocation, toAisfError } from './errors.js';

describe('AisfError', () => {
  it('maps every code to an exit code in 1..3 and an HTTP status', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^E_[A-Z_]+$/);
      expect([EXIT.FINDINGS, EXIT.USAGE, EXIT.INTERNAL]).toContain(entry.exit);
      expect(entry.http).toBeGreaterThanOrEqual(400);
    }
  });

  it('uses exit 2 for input errors and 3 for internal ones', () => {
    expect(new AisfError('E_CATALOG_YAML', 'x').exitCode).toBe(2);
    expect(new AisfError('E_NOT_FOUND', 'x').httpStatus).toBe(404);
    const wrapped = toAisfError(new TypeError('boom'));
    expect(wrapped.code).toBe('E_INTERNAL');
    expect(wrapped.exitCode).toBe(3);
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });

  it('serialises with its location', () => {
    const error = new AisfError('E_CONFIG', 'bad', {
      location: { file: 'a.yaml', line: 3, column: 5 },
    });
    expect(error.toJSON()).toEqual({
      code: 'E_CONFIG',
      message: 'bad',
      location: { file: 'a.yaml', line: 3, column: 5 },
    });
    expect(formatLocation({ file: 'a.yaml', line: 3, column: 5 })).toBe('a.yaml:3:5');
    expect(formatLocation({ file: 'a.yaml' })).toBe('a.yaml');
  });
});
