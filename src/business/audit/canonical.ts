/**
 * @module Canonical JSON (RFC 8785 JCS) for audit records and checkpoints: keys sorted by UTF-16
 * code units, ECMAScript number and string serialisation, no whitespace. Equal values give equal
 * bytes, so hashes and signatures are reproducible by any JCS implementation.
 */

/**
 * Serialises a JSON value canonically. Throws on values JSON cannot carry (NaN, Infinity,
 * functions, bigint) instead of silently changing them.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot hold NaN/Infinity');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}

/** Keys of a stored decision record (`StoredRecord`), in RFC 8785 order (UTF-16 code units). */
const RECORD_KEYS = [
  'action',
  'detail',
  'fired',
  'inputSha256',
  'keyId',
  'kind',
  'latencyMs',
  'model',
  'outputSha256',
  'reason',
  'requestId',
  'route',
  'seq',
  'status',
  'ts',
] as const;
const RECORD_KEY_SET: ReadonlySet<string> = new Set(RECORD_KEYS);
const QUOTED_KEYS = RECORD_KEYS.map((k) => `${JSON.stringify(k)}:`);

/**
 * `canonicalJson` for the guard's decision records, without sorting the keys of every record
 * (their set is known): the same bytes, a fraction of the work on the request path. Objects with
 * other keys fall back to the general form.
 *
 * @example
 * canonicalRecord({ seq: 0, kind: 'decision', action: 'allow' }); // '{"action":"allow","kind":"decision","seq":0}'
 */
export function canonicalRecord(
  record: Readonly<Record<string, unknown>>,
  /** Fields that override the record's (the log's `seq` and `ts`), without copying the record. */
  extra?: { readonly seq: number; readonly ts: string },
): string {
  for (const key in record) {
    if (!RECORD_KEY_SET.has(key)) return canonicalJson(extra ? { ...record, ...extra } : record);
  }
  let out = '{';
  for (let i = 0; i < RECORD_KEYS.length; i++) {
    const key = RECORD_KEYS[i] as string;
    const value =
      extra && (key === 'seq' || key === 'ts') ? extra[key as 'seq' | 'ts'] : record[key];
    if (value === undefined) continue;
    if (out.length > 1) out += ',';
    out += QUOTED_KEYS[i] as string;
    out += canonicalJson(value);
  }
  return `${out}}`;
}
