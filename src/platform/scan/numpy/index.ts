/**
 * @module NumPy `.npy` scanner (format versions 1–3; `.npz` is a zip of these): header literal
 * parsed without eval, object dtype → the pickle that follows is scanned (CVE-2019-6446, loading
 * needs allow_pickle=True), data length checked against dtype × shape.
 */
import { scanPickleBytes } from '../pickle/index.js';
import type { Blob, FormatScanner, ScanSession } from '../session.js';
import { latin1, startsWith } from '../source.js';
import { ScanParseError } from '../types.js';

type Lit = string | number | boolean | null | Lit[] | { [k: string]: Lit };

/** Parses the Python literal of an .npy header (dict/tuple/list/str/int/bool/None only). */
export function parsePyLiteral(text: string): Lit {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const fail = (what: string): never => {
    throw new ScanParseError(`npy header: ${what} at character ${i}`);
  };
  const value = (depth: number): Lit => {
    if (depth > 32) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: Lit[] = [];
      const obj: { [k: string]: Lit } = Object.create(null);
      while (true) {
        ws();
        if (text[i] === close) {
          i++;
          return c === '{' ? obj : items;
        }
        const v = value(depth + 1);
        if (c === '{') {
          ws();
          if (text[i] !== ':' || typeof v !== 'string') fail('expected "key":');
          i++;
          obj[v as string] = value(depth + 1);
        } else items.push(v);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected "," or "${close}"`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) return fail('unexpected token');
    i += (m[1] as string).length;
    if (m[1] === 'True') return true;
    if (m[1] === 'False') return false;
    if (m[1] === 'None') return null;
    return Number((m[1] as string).replace(/L$/, ''));
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

/** Bytes per item of a simple dtype string (`<f4` → 4, `<U5` → 20); undefined if unknown. */
export function itemSize(descr: string): number | undefined {
  const m = /^[<>|=]?([?bBhHiIlLqQeEfdgFDGbiufcmMOSUaV])(\d*)(\[\w+\])?$/.exec(descr);
  if (!m) return undefined;
  const kind = m[1] as string;
  const n = m[2] === '' ? undefined : Number(m[2]);
  const fixed: Record<string, number> = {
    '?': 1,
    b: 1,
    B: 1,
    h: 2,
    H: 2,
    i: 4,
    I: 4,
    l: 8,
    L: 8,
    q: 8,
    Q: 8,
    e: 2,
    f: 4,
    d: 8,
    g: 16,
    F: 8,
    D: 16,
    G: 32,
    O: 8,
  };
  if (n === undefined) return fixed[kind];
  return kind === 'U' ? n * 4 : n;
}

/** Scans one .npy byte stream. */
export function scanNpy(blob: Blob, session: ScanSession): string {
  const src = blob.source;
  const pre = src.read(0, 12);
  const major = pre[6];
  if (major !== 1 && major !== 2 && major !== 3)
    throw new ScanParseError(`unsupported .npy version ${major}`, 6);
  const hlen =
    major === 1
      ? (pre[8] as number) | ((pre[9] as number) << 8)
      : ((pre[8] as number) |
          ((pre[9] as number) << 8) |
          ((pre[10] as number) << 16) |
          ((pre[11] as number) << 24)) >>>
        0;
  const hstart = major === 1 ? 10 : 12;
  if (hlen > 1 << 20 || hstart + hlen > src.size)
    throw new ScanParseError('npy header length out of bounds', 8);
  const header = latin1(src.read(hstart, hlen));
  if (!header.endsWith('\n'))
    session.report(
      'scan.numpy.header-format',
      'low',
      '.npy header does not end with a newline',
      blob.location,
    );
  const lit = parsePyLiteral(header.trim());
  if (typeof lit !== 'object' || lit === null || Array.isArray(lit))
    throw new ScanParseError('npy header is not a dict');
  const descr = lit.descr;
  if (descr === undefined) throw new ScanParseError('npy header has no "descr" (dtype)');
  const shape = lit.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && d >= 0))
    throw new ScanParseError('npy header shape is not a tuple of non-negative integers');
  const dataStart = hstart + hlen;
  const hasObject =
    typeof descr === 'string' ? /^[|<>=]?O/.test(descr) : JSON.stringify(descr).includes('O');
  if (hasObject) {
    session.report(
      'scan.numpy.object-array',
      'low',
      'object-dtype array: numpy.load unpickles it (needs allow_pickle=True); the pickle is scanned',
      blob.location,
    );
    const bytes = src.all(session.limits.maxInMemoryBytes);
    scanPickleBytes(session, bytes, blob.location, { context: 'numpy' }, dataStart);
    return 'numpy';
  }
  if (typeof descr !== 'string') {
    session.report(
      'scan.numpy.structured-dtype',
      'info',
      'structured dtype: data length not checked',
      blob.location,
    );
    return 'numpy';
  }
  const size = itemSize(descr);
  if (size === undefined)
    throw new ScanParseError(`npy dtype ${JSON.stringify(descr.slice(0, 40))} is not recognised`);
  let count = 1;
  for (const d of shape as number[]) count *= d;
  const want = count * size;
  const have = src.size - dataStart;
  if (!Number.isSafeInteger(want) || have < want)
    throw new ScanParseError(`npy data has ${have} bytes, shape × dtype needs ${want} (truncated)`);
  if (have > want)
    session.report(
      'scan.numpy.trailing-data',
      'medium',
      `${have - want} bytes after the array data (polyglot?)`,
      { ...blob.location, offset: dataStart + want },
    );
  return 'numpy';
}

/** The .npy scanner. */
export const numpyScanner: FormatScanner = {
  id: 'numpy',
  title: 'NumPy .npy array',
  sniff: (probe) => startsWith(probe.head, '\x93NUMPY'),
  scan: (blob, session) => scanNpy(blob, session),
};
