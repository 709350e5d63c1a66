/**
 * @module A strict, bounded JSON parser for untrusted headers (safetensors, Keras config, TF.js
 * model.json): duplicate keys are reported (JSON.parse silently keeps the last one — the
 * parser differential of Trail of Bits TOB-SFTN-7), objects have no prototype (`__proto__` keys
 * cannot pollute), and nesting depth is capped.
 */
import { ScanParseError } from './types.js';

/** A JSON value; objects are null-prototype records. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Options of parseJsonStrict. */
export interface JsonOptions {
  /** Called for each duplicate key with its JSON path. */
  onDuplicate?: (path: string, key: string) => void;
  /** @default 256 */
  maxDepth?: number;
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Parses `text` as JSON (RFC 8259) without trusting it.
 * @example parseJsonStrict('{"a":1,"a":2}', { onDuplicate: (p, k) => console.log(p, k) })
 */
export function parseJsonStrict(text: string, options: JsonOptions = {}): Json {
  const maxDepth = options.maxDepth ?? 256;
  // The JSON path is kept as segments and joined only when a duplicate key is reported.
  const segments: string[] = ['$'];
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new ScanParseError(`invalid JSON at character ${i}: ${what}`, i);
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    while (true) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else {
          const map: Record<string, string> = {
            '"': '"',
            '\\': '\\',
            '/': '/',
            b: '\b',
            f: '\f',
            n: '\n',
            r: '\r',
            t: '\t',
          };
          const v = e === undefined ? undefined : map[e];
          if (v === undefined) fail('bad escape');
          out += v;
          i += 2;
        }
        start = i;
      } else i++;
    }
  };
  const value = (depth: number): Json => {
    if (depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: { [key: string]: Json } = Object.create(null);
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      while (true) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = str();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        segments.push(`.${key}`);
        const v = value(depth + 1);
        segments.pop();
        if (Object.hasOwn(obj, key)) options.onDuplicate?.(segments.join(''), key);
        obj[key] = v;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      while (true) {
        segments.push(`[${arr.length}]`);
        arr.push(value(depth + 1));
        segments.pop();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (!num || num[0] === '' || num[0] === '-') fail('unexpected character');
    i += (num as RegExpExecArray)[0].length;
    return Number((num as RegExpExecArray)[0]);
  };
  const result = value(0);
  ws();
  if (i !== n) fail('trailing characters after the JSON value');
  return result;
}

/** True if `v` is a JSON object (not array, not null). */
export function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
