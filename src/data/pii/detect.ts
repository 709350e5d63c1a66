/**
 * @module The Chinese PII detector: resident ID, mobile, bank card, USCC, passport, licence plate,
 * e-mail, IPv4/IPv6, plus custom patterns and keyword dictionaries. Candidates are found at token
 * starts only (a one-pass prefilter), then confirmed by sticky regexes and check digits, so Chinese
 * text without ASCII runs is skipped at regex-engine speed. Offsets are UTF-16 code units
 * (JavaScript string indices).
 */
import { isIPv6 } from 'node:net';
import { isValidCnId, isValidUscc, luhnValid } from './checks.js';
import { compileSafeRegex } from './safe-regex.js';

/** The built-in PII types. */
export const PII_TYPES = [
  'cn_id',
  'cn_mobile',
  'bank_card',
  'cn_uscc',
  'cn_passport',
  'cn_plate',
  'email',
  'ipv4',
  'ipv6',
] as const;
export type BuiltinPiiType = (typeof PII_TYPES)[number];

/** One detected span. `start`/`end` are UTF-16 offsets, `end` exclusive. */
export interface PiiFinding {
  /** A built-in type, or the `name` of a custom pattern / keyword list. */
  type: string;
  start: number;
  end: number;
  /** The value with its middle masked (safe to log and print). */
  masked: string;
}

/** A user pattern, checked by the ReDoS gate before use. */
export interface CustomPattern {
  name: string;
  pattern: string;
  /** Mask everything but this many leading/trailing characters. @default 0 */
  keep?: number | undefined;
}

/** A keyword dictionary: every occurrence of any word is a finding of type `name`. */
export interface KeywordList {
  name: string;
  words: readonly string[];
}

export interface PiiDetectorOptions {
  /** Built-in types to detect. @default all of PII_TYPES */
  types?: readonly BuiltinPiiType[];
  custom?: readonly CustomPattern[];
  keywords?: readonly KeywordList[];
  /**
   * Passports are plain letter+digits and collide with order and part numbers, so they are reported
   * only with one of these words in the `contextWindow` characters before (as Presidio's context
   * words; openmed#1480). @default ['护照', 'passport', '证件号']
   */
  passportContext?: readonly string[];
  /** @default 24 */
  contextWindow?: number;
  /**
   * Custom regexes see at most this many characters per call (input bound as a second ReDoS
   * defence). @default 1_048_576
   */
  maxCustomInput?: number;
}

// Token starts: ASCII letter/digit runs. Written `x[x]*` rather than `[x]+` and without an
// alternation: V8's irregexp then skips non-ASCII text with its fast class scan (10–20× faster on
// Chinese text than a prefilter that also lists the province characters). A plate is found from
// its ASCII run by looking one character back for the province abbreviation.
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const PREFILTER = /[0-9A-Za-z][0-9A-Za-z]*/g;
const END = '(?![0-9A-Za-z])';

// Sticky confirmers, tried in order at each token start. Patterns after the research note §3.1.
const RE_ID = new RegExp(
  `[1-9]\\d{5}(?:18|19|20)\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])\\d{3}[\\dXx]${END}`,
  'y',
);
const RE_USCC = new RegExp(`[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}${END}`, 'y');
const RE_CARD = new RegExp(`(?:\\d{16,19}|\\d{4}(?:[ -]\\d{4}){3}(?:[ -]?\\d{1,3})?)${END}`, 'y');
// MIIT numbering plan prefixes 13x, 145–149, 15x (not 154), 162/165–167, 170–178, 18x, 19x (not 194).
const RE_MOBILE = new RegExp(
  `(?:86[- ]?)?1(?:3\\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\\d|9[0-35-9])(?:[- ]?\\d{4}){2}${END}`,
  'y',
);
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const RE_IPV4 = new RegExp(`${OCTET}(?:\\.${OCTET}){3}(?![0-9A-Za-z]|\\.\\d)`, 'y');
const RE_IPV6 = /[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:.])/y;
// Bounded quantifiers keep the e-mail confirmer linear (local part ≤ 64, labels ≤ 63, RFC 5321).
const RE_EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}/y;
const RE_PASSPORT = new RegExp(
  `(?:E\\d{8}|E[A-HJ-NP-Z]\\d{7}|[GP]\\d{8}|P\\d{7}|[DS]\\d{7,8})${END}`,
  'y',
);
const RE_PLATE = new RegExp(`[${PROVINCES}][A-HJ-NP-Z][·•.\\- ]?[A-HJ-NP-Z0-9]{5,6}${END}`, 'y');

const DEFAULT_PASSPORT_CONTEXT = ['护照', 'passport', '证件号'];

interface Candidate {
  type: BuiltinPiiType;
  re: RegExp;
  /** Cheap gate on the token's run length and the character after it (skips most regex runs). */
  may: (runLength: number, next: string) => boolean;
  validate?: (value: string, text: string, start: number) => boolean;
}

function maskMiddle(value: string, keepStart: number, keepEnd: number): string {
  if (value.length <= keepStart + keepEnd) return '*'.repeat(value.length);
  return (
    value.slice(0, keepStart) +
    '*'.repeat(value.length - keepStart - keepEnd) +
    value.slice(value.length - keepEnd)
  );
}

/**
 * The masked form of a value of a type, keeping what operators usually keep (GB/T 35273-2020
 * §6.2 de-identification examples: first 3 and last 4 of a mobile, region and check of an ID).
 */
export function maskValue(type: string, value: string): string {
  switch (type) {
    case 'cn_id':
      return maskMiddle(value, 6, 4);
    case 'cn_mobile':
      return maskMiddle(value, value.length - 8, 4);
    case 'bank_card':
      return maskMiddle(value, 6, 4);
    case 'cn_uscc':
      return maskMiddle(value, 8, 2);
    case 'cn_passport':
      return maskMiddle(value, 1, 2);
    case 'cn_plate':
      return maskMiddle(value, 2, 1);
    case 'email': {
      const at = value.indexOf('@');
      return `${value.slice(0, 1)}${'*'.repeat(Math.max(1, at - 1))}${value.slice(at)}`;
    }
    case 'ipv4': {
      const parts = value.split('.');
      return `${parts[0]}.${parts[1]}.*.*`;
    }
    case 'ipv6':
      return `${value.split(':').slice(0, 2).join(':')}:*`;
    default:
      return '*'.repeat(value.length);
  }
}

function emailValid(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.indexOf('@');
  const local = value.slice(0, at);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const labels = value.slice(at + 1).split('.');
  const tld = labels[labels.length - 1] ?? '';
  if (!/^[A-Za-z]{2,24}$/.test(tld)) return false;
  return labels.every((label) => !label.startsWith('-') && !label.endsWith('-'));
}

/**
 * A configured detector. Create once (patterns compile and pass the ReDoS gate here), reuse for
 * every text.
 *
 * @example
 * const detector = createPiiDetector();
 * detector.scan('手机 13812345678'); // [{ type: 'cn_mobile', start: 3, end: 14, masked: '138****5678' }]
 */
export interface PiiDetector {
  scan(text: string): PiiFinding[];
  /** Replaces each finding by `[TYPE]` (redact) or its masked form (mask). */
  redact(text: string, mode?: 'redact' | 'mask'): { text: string; findings: PiiFinding[] };
  /** The longest span any built-in type can report, in UTF-16 units (streaming hold-back bound). */
  readonly maxSpan: number;
  /**
   * For streaming: the index from which the end of `text` must be held back because more text
   * could still turn it into (or extend) a finding. Built-in values are runs of ASCII characters
   * (plus a leading province character or middle dot), so Chinese prose is released at once;
   * keyword lists hold back their longest word − 1, custom regexes the whole `maxSpan`.
   */
  streamCut(text: string): number;
}

/** Characters a built-in value can be made of (printable ASCII, space, middle dots). */
const TOKEN_CHAR = /[\x20-\x7e·•]/;

/** Longest reportable built-in span: an e-mail of at most 254 characters (RFC 5321 §4.5.3.1.3). */
const MAX_BUILTIN_SPAN = 254;

/** Creates a detector; throws E_CONFIG when a custom pattern fails the ReDoS gate. */
export function createPiiDetector(options: PiiDetectorOptions = {}): PiiDetector {
  const enabled = new Set<BuiltinPiiType>(options.types ?? PII_TYPES);
  const passportContext = (options.passportContext ?? DEFAULT_PASSPORT_CONTEXT).map((w) =>
    w.toLowerCase(),
  );
  const contextWindow = options.contextWindow ?? 24;
  const maxCustomInput = options.maxCustomInput ?? 1_048_576;
  const hasContext = (text: string, start: number): boolean => {
    const before = text.slice(Math.max(0, start - contextWindow), start).toLowerCase();
    return passportContext.some((word) => before.includes(word));
  };
  const all: Candidate[] = [
    { type: 'cn_id', re: RE_ID, may: (n) => n === 18, validate: (v) => isValidCnId(v) },
    { type: 'cn_uscc', re: RE_USCC, may: (n) => n === 18, validate: (v) => isValidUscc(v) },
    {
      type: 'bank_card',
      re: RE_CARD,
      may: (n, next) => (n >= 16 && n <= 19) || (n === 4 && (next === ' ' || next === '-')),
      // Issuer prefixes 3 (Amex/JCB), 4 (Visa), 5 (Mastercard), 6 (UnionPay 62, Discover); Luhn.
      validate: (v) => {
        const digits = v.replace(/[ -]/g, '');
        return digits.length >= 16 && /^[3-6]/.test(digits) && luhnValid(digits);
      },
    },
    {
      type: 'cn_mobile',
      re: RE_MOBILE,
      may: (n, next) =>
        n === 11 || n === 13 || ((n === 2 || n === 3) && (next === ' ' || next === '-')),
      validate: (v, text, start) => {
        const digits = v.replace(/[ -]/g, '');
        if (digits.length === 13) return true; // 86 + 11 digits
        // "86" is only a country code when written as +86 or followed by a separator.
        return digits.length === 11 || (start > 0 && text[start - 1] === '+');
      },
    },
    {
      type: 'ipv4',
      re: RE_IPV4,
      may: (n, next) => n <= 3 && next === '.',
      // Not the tail of a version string such as 1.2.3.4.5.
      validate: (_v, text, start) => !(text[start - 1] === '.' && /\d/.test(text[start - 2] ?? '')),
    },
    {
      type: 'ipv6',
      re: RE_IPV6,
      may: (n, next) => n <= 4 && next === ':',
      validate: (v) => v.length >= 3 && (v.match(/:/g)?.length ?? 0) >= 2 && isIPv6(v),
    },
    {
      type: 'email',
      re: RE_EMAIL,
      may: (n, next) => n <= 64 && '@._%+-'.includes(next) && next !== '',
      validate: emailValid,
    },
    {
      type: 'cn_passport',
      re: RE_PASSPORT,
      may: (n) => n === 8 || n === 9,
      validate: (_v, text, start) => hasContext(text, start),
    },
  ];
  const candidates = all.filter((c) => enabled.has(c.type));
  const plate = enabled.has('cn_plate');
  const custom = (options.custom ?? []).map((c, i) => ({
    ...c,
    re: compileSafeRegex(c.pattern, `custom[${i}].pattern`, 'gu'),
  }));
  const keywords = (options.keywords ?? []).map((list) => ({
    name: list.name,
    words: list.words.filter((w) => w.length > 0),
  }));

  function scanBuiltin(text: string, out: PiiFinding[]): void {
    const prefilter = new RegExp(PREFILTER.source, 'g');
    let m: RegExpExecArray | null = prefilter.exec(text);
    while (m !== null) {
      const start = m.index;
      // A plate: province character, then this run (optionally after one separator).
      if (plate) {
        const back = start - 1;
        if (back >= 0 && PROVINCES.includes(text[back] as string)) {
          RE_PLATE.lastIndex = back;
          const pm = RE_PLATE.exec(text);
          // Plates carry at least two digits; this keeps words such as 京A ABCDE out.
          if (pm && (pm[0].match(/\d/g)?.length ?? 0) >= 2) {
            const value = pm[0];
            out.push({
              type: 'cn_plate',
              start: back,
              end: back + value.length,
              masked: maskValue('cn_plate', value),
            });
            prefilter.lastIndex = back + value.length;
            m = prefilter.exec(text);
            continue;
          }
        }
      }
      // A mobile may start with "+86": the '+' is outside the token.
      const runLength = m[0].length;
      const next = text[start + runLength] ?? '';
      for (const c of candidates) {
        if (!c.may(runLength, next)) continue;
        c.re.lastIndex = start;
        const cm = c.re.exec(text);
        if (!cm) continue;
        const value = cm[0];
        if (c.validate && !c.validate(value, text, start)) continue;
        const from = c.type === 'cn_mobile' && text[start - 1] === '+' ? start - 1 : start;
        const shown = text.slice(from, start + value.length);
        out.push({
          type: c.type,
          start: from,
          end: start + value.length,
          masked: maskValue(c.type, shown),
        });
        prefilter.lastIndex = start + value.length;
        break;
      }
      m = prefilter.exec(text);
    }
  }

  function scanCustom(text: string, out: PiiFinding[]): void {
    if (custom.length === 0 && keywords.length === 0) return;
    const bounded = text.length > maxCustomInput ? text.slice(0, maxCustomInput) : text;
    for (const c of custom) {
      c.re.lastIndex = 0;
      for (const cm of bounded.matchAll(c.re)) {
        if (cm[0].length === 0) continue;
        const keep = c.keep ?? 0;
        out.push({
          type: c.name,
          start: cm.index,
          end: cm.index + cm[0].length,
          masked: maskMiddle(cm[0], keep, keep),
        });
      }
    }
    for (const list of keywords) {
      for (const word of list.words) {
        let at = text.indexOf(word);
        while (at >= 0) {
          out.push({
            type: list.name,
            start: at,
            end: at + word.length,
            masked: '*'.repeat(word.length),
          });
          at = text.indexOf(word, at + word.length);
        }
      }
    }
  }

  function scan(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    scanBuiltin(text, out);
    scanCustom(text, out);
    if (custom.length === 0 && keywords.length === 0) return out;
    // Resolve overlaps: earliest start wins, then the longest.
    out.sort((a, b) => a.start - b.start || b.end - a.end);
    const kept: PiiFinding[] = [];
    let lastEnd = -1;
    for (const f of out) {
      if (f.start >= lastEnd) {
        kept.push(f);
        lastEnd = f.end;
      }
    }
    return kept;
  }

  function redact(text: string, mode: 'redact' | 'mask' = 'redact') {
    const findings = scan(text);
    let result = '';
    let at = 0;
    for (const f of findings) {
      result += text.slice(at, f.start);
      result += mode === 'mask' ? f.masked : `[${f.type.toUpperCase()}]`;
      at = f.end;
    }
    result += text.slice(at);
    return { text: result, findings };
  }

  const customSpan = keywords.reduce(
    (max, list) => Math.max(max, ...list.words.map((w) => w.length)),
    0,
  );
  const maxSpan = Math.max(MAX_BUILTIN_SPAN, customSpan);
  const minHold = custom.length > 0 ? maxSpan : Math.max(0, customSpan - 1);
  function streamCut(text: string): number {
    const n = text.length;
    let cut = n;
    while (cut > 0 && n - cut < maxSpan && TOKEN_CHAR.test(text[cut - 1] as string)) cut--;
    if (cut > 0 && PROVINCES.includes(text[cut - 1] as string)) cut--;
    return Math.max(0, Math.min(cut, n - minHold));
  }
  return { scan, redact, maxSpan, streamCut };
}
