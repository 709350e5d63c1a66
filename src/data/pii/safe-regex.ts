/**
 * @module A conservative ReDoS gate for user-supplied regular expressions (custom PII patterns,
 * banned-topic patterns). JavaScript's backtracking engine can take exponential time on patterns
 * with nested quantifiers or quantified alternations (CWE-1333, e.g. `(a+)+$`); we reject those
 * shapes outright and bound the input each pattern may see.
 */
import { AisfError } from '../../errors.js';

/** Longest user pattern accepted, in characters. @default 512 */
export const MAX_PATTERN_LENGTH = 512;

/**
 * Returns why a pattern is unsafe, or undefined when it passes: star height > 1 (a quantified group
 * that contains a quantifier), a quantified group with alternation, backreferences, or excessive
 * length. Sound for the shapes it rejects, not complete (like safe-regex's star-height test).
 */
export function unsafeRegexReason(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences are not allowed';
  // Walk the pattern tracking, per open group, whether it holds a quantifier or an alternation.
  const stack: { quantified: boolean; alternation: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === '|' && top) top.alternation = true;
    const isQuantifier = (ch: string | undefined, at: number): boolean =>
      ch === '*' || ch === '+' || (ch === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(at)));
    if (isQuantifier(c, i) && top) top.quantified = true;
    if (c === ')') {
      const group = stack.pop();
      const next = source[i + 1];
      if (group && isQuantifier(next, i + 1)) {
        if (group.quantified) return 'nested quantifiers (star height > 1), e.g. (a+)+';
        if (group.alternation) return 'a quantified alternation, e.g. (a|ab)*';
      }
      // A quantified inner group makes the enclosing group "quantified" too.
      const parent = stack[stack.length - 1];
      if (parent && (group?.quantified || isQuantifier(next, i + 1))) parent.quantified = true;
    }
  }
  return undefined;
}

/**
 * Compiles a user pattern after the ReDoS gate; throws E_CONFIG naming `field` and the fix.
 *
 * @example
 * compileSafeRegex('EMP-\\d{6}', 'pii.custom[0].pattern');
 */
export function compileSafeRegex(source: string, field: string, flags = 'g'): RegExp {
  const reason = unsafeRegexReason(source);
  if (reason) {
    throw new AisfError(
      'E_CONFIG',
      `${field}: the pattern is rejected as a ReDoS risk (${reason}); rewrite it without nested or alternating repetition`,
    );
  }
  try {
    return new RegExp(source, flags.includes('g') ? flags : `${flags}g`);
  } catch (cause) {
    throw new AisfError('E_CONFIG', `${field}: not a valid regular expression`, { cause });
  }
}
