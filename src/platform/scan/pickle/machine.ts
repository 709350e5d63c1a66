/**
 * @module A symbolic pickle machine: executes every opcode of protocols 0–5 (CPython
 * `pickletools` table, 68 opcodes) over symbolic values with exact stack, mark (metastack) and memo
 * semantics, and never calls anything. Imports, calls and attribute writes are reported to the
 * caller, which applies the policy. Modelling the machine (fickling's design) instead of walking
 * back from STACK_GLOBAL (modelscan/picklescan) closes the memo-confusion bypasses (picklescan#14).
 */
import { ScanParseError } from '../types.js';

/** A symbolic value on the pickle stack. Containers share children (a DAG), so memo expansion cannot blow up memory. */
export type Value =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: number | bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: string; off: number }
  | { t: 'bytes'; v: Uint8Array; off: number }
  | { t: 'list'; items: Value[] }
  | { t: 'tuple'; items: Value[] }
  | { t: 'dict'; items: [Value, Value][] }
  | { t: 'set'; items: Value[] }
  | { t: 'global'; full: string; module: string; name: string; off: number }
  | {
      t: 'call';
      fn: Value;
      args: Value;
      off: number;
      op: string;
      used: boolean;
      memo: boolean;
      state?: Value;
    }
  | { t: 'pid'; pid: Value; off: number }
  | { t: 'buffer' }
  | { t: 'unknown'; why: string };

/** What the machine tells its caller. */
export interface MachineHooks {
  /** An import by GLOBAL, INST, STACK_GLOBAL or EXT*; `constant` false if the operands were computed. */
  onImport(
    mod: string,
    name: string,
    offset: number,
    op: string,
    constant: boolean,
    proto: number,
  ): void;
  /** REDUCE/NEWOBJ/NEWOBJ_EX/INST/OBJ: a call the unpickler makes. */
  onCall(fn: Value, args: Value, offset: number, op: string): void;
  /** BUILD: `state` applied to `target` (setstate or __dict__ update). */
  onBuild(target: Value, state: Value, offset: number): void;
  /** PERSID/BINPERSID: the loader's persistent_load runs on `pid`. */
  onPersistentId(pid: Value, offset: number): void;
  /** A structural anomaly (misplaced PROTO, leftover stack, discarded call …). */
  onAnomaly(id: string, message: string, offset: number): void;
  /** A bytes/str constant (nested-pickle detection). */
  onConstant?(value: Value, offset: number): void;
  /**
   * Called after BUILD; may consume raw bytes that follow in the stream (joblib writes array data
   * between opcodes). Returns the number of bytes consumed.
   */
  afterBuild?(target: Value, state: Value, bytes: Uint8Array, pos: number): number;
}

/** Counters of one run (expansion analysis, fickling ExpansionAttackAnalysis). */
export interface MachineStats {
  ops: number;
  gets: number;
  puts: number;
  dups: number;
  maxStack: number;
}

/** Result of running one pickle stream. */
export interface MachineResult {
  /** Offset after STOP (or where parsing stopped). */
  end: number;
  complete: boolean;
  proto: number;
  stats: MachineStats;
  value: Value | undefined;
}

const MARK_ERR = 'stack underflow (MARK boundary)';

/** Opcode names by byte, for evidence (CPython pickletools). */
export const OPCODE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries({
    '(': 'MARK',
    '.': 'STOP',
    '0': 'POP',
    '1': 'POP_MARK',
    '2': 'DUP',
    F: 'FLOAT',
    I: 'INT',
    J: 'BININT',
    K: 'BININT1',
    L: 'LONG',
    M: 'BININT2',
    N: 'NONE',
    P: 'PERSID',
    Q: 'BINPERSID',
    R: 'REDUCE',
    S: 'STRING',
    T: 'BINSTRING',
    U: 'SHORT_BINSTRING',
    V: 'UNICODE',
    X: 'BINUNICODE',
    a: 'APPEND',
    b: 'BUILD',
    c: 'GLOBAL',
    d: 'DICT',
    '}': 'EMPTY_DICT',
    e: 'APPENDS',
    g: 'GET',
    h: 'BINGET',
    i: 'INST',
    j: 'LONG_BINGET',
    l: 'LIST',
    ']': 'EMPTY_LIST',
    o: 'OBJ',
    p: 'PUT',
    q: 'BINPUT',
    r: 'LONG_BINPUT',
    s: 'SETITEM',
    t: 'TUPLE',
    ')': 'EMPTY_TUPLE',
    u: 'SETITEMS',
    G: 'BINFLOAT',
    B: 'BINBYTES',
    C: 'SHORT_BINBYTES',
    '\x80': 'PROTO',
    '\x81': 'NEWOBJ',
    '\x82': 'EXT1',
    '\x83': 'EXT2',
    '\x84': 'EXT4',
    '\x85': 'TUPLE1',
    '\x86': 'TUPLE2',
    '\x87': 'TUPLE3',
    '\x88': 'NEWTRUE',
    '\x89': 'NEWFALSE',
    '\x8a': 'LONG1',
    '\x8b': 'LONG4',
    '\x8c': 'SHORT_BINUNICODE',
    '\x8d': 'BINUNICODE8',
    '\x8e': 'BINBYTES8',
    '\x8f': 'EMPTY_SET',
    '\x90': 'ADDITEMS',
    '\x91': 'FROZENSET',
    '\x92': 'NEWOBJ_EX',
    '\x93': 'STACK_GLOBAL',
    '\x94': 'MEMOIZE',
    '\x95': 'FRAME',
    '\x96': 'BYTEARRAY8',
    '\x97': 'NEXT_BUFFER',
    '\x98': 'READONLY_BUFFER',
  }).map(([k, v]) => [k.charCodeAt(0), v]),
);

const LATIN1 = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a protocol-0 STRING literal body (Python repr with quotes, `codecs.escape_decode`). */
function decodeStringLiteral(raw: string, off: number): string {
  const q = raw[0];
  if (raw.length < 2 || (q !== "'" && q !== '"') || raw[raw.length - 1] !== q) {
    throw new ScanParseError('STRING opcode argument must be quoted', off);
  }
  const body = raw.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/gs, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8) & 0xff);
    const map: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\n': '',
    };
    return map[e] ?? `\\${e}`;
  });
}

/** Decodes `raw-unicode-escape` (UNICODE opcode). */
function decodeRawUnicode(raw: string): string {
  return raw.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a?: string, b?: string) => {
    const cp = Number.parseInt((a ?? b) as string, 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  });
}

/** Decodes a little-endian two's-complement integer (LONG1/LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  if (((bytes[bytes.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** Limits of one run. */
export interface MachineLimits {
  maxOps: number;
  maxMemo: number;
}

/**
 * Runs one pickle stream starting at `start` until STOP. Throws ScanParseError where CPython's
 * unpickler would fail (the hooks have seen everything before that point — partial pickles still
 * execute their prefix, so callers keep those findings).
 */
export function runPickle(
  bytes: Uint8Array,
  start: number,
  hooks: MachineHooks,
  limits: MachineLimits,
  stats: MachineStats = { ops: 0, gets: 0, puts: 0, dups: 0, maxStack: 0 },
): MachineResult {
  let pos = start;
  const end = bytes.length;
  let stack: Value[] = [];
  const meta: Value[][] = [];
  const memo = new Map<number, Value>();
  let proto = 0;
  let sawProto = false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const need = (n: number, what: string, at: number) => {
    if (n < 0 || pos + n > end)
      throw new ScanParseError(`truncated pickle: ${what} needs ${n} bytes`, at);
  };
  const readLine = (what: string, at: number): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) throw new ScanParseError(`truncated pickle: ${what} has no newline`, at);
    const line = LATIN1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return line;
  };
  const pop = (at: number): Value => {
    const v = stack.pop();
    if (v === undefined) throw new ScanParseError(`stack underflow: ${MARK_ERR}`, at);
    return v;
  };
  const top = (at: number): Value => {
    const v = stack[stack.length - 1];
    if (v === undefined) throw new ScanParseError(`stack underflow: ${MARK_ERR}`, at);
    return v;
  };
  const popMark = (at: number): Value[] => {
    const items = stack;
    const prev = meta.pop();
    if (prev === undefined) throw new ScanParseError('MARK expected but none set', at);
    stack = prev;
    return items;
  };
  const push = (v: Value) => {
    stack.push(v);
  };
  const markUsed = (v: Value) => {
    if (v.t === 'call') v.used = true;
  };
  const str = (v: string, off: number): Value => {
    const s: Value = { t: 'str', v, off };
    hooks.onConstant?.(s, off);
    return s;
  };
  const byt = (v: Uint8Array, off: number): Value => {
    const b: Value = { t: 'bytes', v, off };
    hooks.onConstant?.(b, off);
    return b;
  };
  const importGlobal = (module: string, name: string, at: number, op: string): Value => {
    hooks.onImport(module, name, at, op, true, proto);
    return { t: 'global', full: `${module}.${name}`, module, name, off: at };
  };
  const putMemo = (idx: number, at: number) => {
    if (!Number.isSafeInteger(idx) || idx < 0)
      throw new ScanParseError('negative or invalid memo index', at);
    const v = top(at);
    if (!memo.has(idx) && memo.size >= limits.maxMemo) {
      throw new ScanParseError(`memo exceeds ${limits.maxMemo} entries (expansion attack?)`, at);
    }
    if (v.t === 'call') v.memo = true;
    memo.set(idx, v);
    stats.puts++;
  };
  const getMemo = (idx: number, at: number) => {
    const v = memo.get(idx);
    if (v === undefined) throw new ScanParseError(`memo key ${idx} not found`, at);
    stats.gets++;
    push(v);
  };

  while (true) {
    if (pos >= end) throw new ScanParseError('truncated pickle: no STOP opcode', pos);
    if (++stats.ops > limits.maxOps) {
      throw new ScanParseError(
        `more than ${limits.maxOps} opcodes (raise the limit to scan it)`,
        pos,
      );
    }
    if (stack.length > stats.maxStack) stats.maxStack = stack.length;
    const at = pos;
    const op = bytes[pos++] as number;
    switch (op) {
      case 0x80: {
        // PROTO
        need(1, 'PROTO', at);
        const p = bytes[pos++] as number;
        if (p > 5) throw new ScanParseError(`unsupported pickle protocol ${p}`, at);
        if (sawProto || at !== start)
          hooks.onAnomaly(
            'scan.pickle.misplaced-proto',
            'PROTO opcode not at the start of the stream (or repeated)',
            at,
          );
        sawProto = true;
        proto = p;
        break;
      }
      case 0x95: {
        // FRAME: a length prefix; the frame must fit in the data
        need(8, 'FRAME', at);
        const n = view.getBigUint64(pos, true);
        pos += 8;
        if (n > BigInt(end - pos))
          throw new ScanParseError('FRAME larger than the remaining data', at);
        break;
      }
      case 0x2e: {
        // STOP
        const value = pop(at);
        if (stack.length > 0 || meta.length > 0) {
          hooks.onAnomaly(
            'scan.pickle.leftover-stack',
            `${stack.length + meta.reduce((n, s) => n + s.length, 0)} values left on the stack at STOP (injected payload?)`,
            at,
          );
        }
        markUsed(value);
        return { end: pos, complete: true, proto, stats, value };
      }
      case 0x28: // MARK
        meta.push(stack);
        stack = [];
        break;
      case 0x30: {
        // POP: discarding a call result nobody else references is the classic injection tell
        const v = stack.length === 0 ? undefined : stack.pop();
        if (v === undefined) {
          popMark(at);
        } else if (v.t === 'call' && !v.used && !v.memo) {
          hooks.onAnomaly(
            'scan.pickle.discarded-call',
            'the result of a call is popped and never used',
            at,
          );
        }
        break;
      }
      case 0x31: // POP_MARK
        for (const v of popMark(at)) {
          if (v.t === 'call' && !v.used && !v.memo) {
            hooks.onAnomaly(
              'scan.pickle.discarded-call',
              'the result of a call is popped and never used',
              at,
            );
          }
        }
        break;
      case 0x32: // DUP
        stats.dups++;
        push(top(at));
        break;
      case 0x4e: // NONE
        push({ t: 'none' });
        break;
      case 0x88:
      case 0x89: // NEWTRUE / NEWFALSE
        push({ t: 'bool', v: op === 0x88 });
        break;
      case 0x49: {
        // INT (text); "01"/"00" are protocol-0 booleans
        const line = readLine('INT', at);
        if (line === '01' || line === '00') push({ t: 'bool', v: line === '01' });
        else {
          if (!/^[+-]?\d+$/.test(line.trim()))
            throw new ScanParseError('INT argument is not an integer', at);
          const b = BigInt(line.trim());
          push({
            t: 'int',
            v:
              b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)
                ? Number(b)
                : b,
          });
        }
        break;
      }
      case 0x4c: {
        // LONG (text, optional trailing L)
        const line = readLine('LONG', at).trim().replace(/L$/, '');
        if (!/^[+-]?\d+$/.test(line))
          throw new ScanParseError('LONG argument is not an integer', at);
        const b = BigInt(line);
        push({
          t: 'int',
          v:
            b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)
              ? Number(b)
              : b,
        });
        break;
      }
      case 0x4a: // BININT
        need(4, 'BININT', at);
        push({ t: 'int', v: view.getInt32(pos, true) });
        pos += 4;
        break;
      case 0x4b: // BININT1
        need(1, 'BININT1', at);
        push({ t: 'int', v: bytes[pos++] as number });
        break;
      case 0x4d: // BININT2
        need(2, 'BININT2', at);
        push({ t: 'int', v: view.getUint16(pos, true) });
        pos += 2;
        break;
      case 0x8a: {
        // LONG1
        need(1, 'LONG1', at);
        const n = bytes[pos++] as number;
        need(n, 'LONG1', at);
        push({ t: 'int', v: decodeLong(bytes.subarray(pos, pos + n)) });
        pos += n;
        break;
      }
      case 0x8b: {
        // LONG4
        need(4, 'LONG4', at);
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) throw new ScanParseError('LONG4 negative byte count', at);
        need(n, 'LONG4', at);
        push({ t: 'int', v: n > 64 ? 0n : decodeLong(bytes.subarray(pos, pos + n)) });
        pos += n;
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const line = readLine('FLOAT', at);
        const f = Number(line);
        if (line.trim() === '' || (Number.isNaN(f) && !/nan/i.test(line)))
          throw new ScanParseError('FLOAT argument is not a number', at);
        push({ t: 'float', v: f });
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8, 'BINFLOAT', at);
        push({ t: 'float', v: view.getFloat64(pos, false) });
        pos += 8;
        break;
      case 0x53: // STRING
        push(str(decodeStringLiteral(readLine('STRING', at).trimEnd(), at), at));
        break;
      case 0x54:
      case 0x55: {
        // BINSTRING (i32) / SHORT_BINSTRING (u8): str in Python 3 (latin-1/ASCII decoded)
        let n: number;
        if (op === 0x54) {
          need(4, 'BINSTRING', at);
          n = view.getInt32(pos, true);
          pos += 4;
          if (n < 0) throw new ScanParseError('BINSTRING negative length', at);
        } else {
          need(1, 'SHORT_BINSTRING', at);
          n = bytes[pos++] as number;
        }
        need(n, 'BINSTRING', at);
        push(str(LATIN1.decode(bytes.subarray(pos, pos + n)), at));
        pos += n;
        break;
      }
      case 0x56: // UNICODE
        push(str(decodeRawUnicode(readLine('UNICODE', at)), at));
        break;
      case 0x58:
      case 0x8c:
      case 0x8d: {
        // BINUNICODE (u32) / SHORT_BINUNICODE (u8) / BINUNICODE8 (u64)
        let n: number;
        if (op === 0x8c) {
          need(1, 'SHORT_BINUNICODE', at);
          n = bytes[pos++] as number;
        } else if (op === 0x58) {
          need(4, 'BINUNICODE', at);
          n = view.getUint32(pos, true);
          pos += 4;
        } else {
          need(8, 'BINUNICODE8', at);
          const big = view.getBigUint64(pos, true);
          pos += 8;
          if (big > BigInt(end - pos))
            throw new ScanParseError('truncated pickle: BINUNICODE8', at);
          n = Number(big);
        }
        need(n, 'BINUNICODE', at);
        let s: string;
        try {
          s = UTF8.decode(bytes.subarray(pos, pos + n));
        } catch {
          // CPython uses 'surrogatepass'; lone surrogates decode there but fail here. Keep the bytes readable.
          s = LATIN1.decode(bytes.subarray(pos, pos + n));
        }
        push(str(s, at));
        pos += n;
        break;
      }
      case 0x42:
      case 0x43:
      case 0x8e:
      case 0x96: {
        // BINBYTES (u32) / SHORT_BINBYTES (u8) / BINBYTES8 / BYTEARRAY8 (u64)
        let n: number;
        if (op === 0x43) {
          need(1, 'SHORT_BINBYTES', at);
          n = bytes[pos++] as number;
        } else if (op === 0x42) {
          need(4, 'BINBYTES', at);
          n = view.getUint32(pos, true);
          pos += 4;
        } else {
          need(8, 'BINBYTES8', at);
          const big = view.getBigUint64(pos, true);
          pos += 8;
          if (big > BigInt(end - pos))
            throw new ScanParseError('truncated pickle: BINBYTES8/BYTEARRAY8', at);
          n = Number(big);
        }
        need(n, 'BINBYTES', at);
        push(byt(bytes.subarray(pos, pos + n), at));
        pos += n;
        break;
      }
      case 0x97:
      case 0x98: // NEXT_BUFFER / READONLY_BUFFER (protocol 5 out-of-band)
        if (op === 0x97) push({ t: 'buffer' });
        else top(at);
        hooks.onAnomaly(
          'scan.pickle.out-of-band-buffer',
          'protocol-5 out-of-band buffer referenced',
          at,
        );
        break;
      case 0x5d: // EMPTY_LIST
        push({ t: 'list', items: [] });
        break;
      case 0x29: // EMPTY_TUPLE
        push({ t: 'tuple', items: [] });
        break;
      case 0x7d: // EMPTY_DICT
        push({ t: 'dict', items: [] });
        break;
      case 0x8f: // EMPTY_SET
        push({ t: 'set', items: [] });
        break;
      case 0x6c: {
        // LIST
        const items = popMark(at);
        items.forEach(markUsed);
        push({ t: 'list', items });
        break;
      }
      case 0x74: {
        // TUPLE
        const items = popMark(at);
        items.forEach(markUsed);
        push({ t: 'tuple', items });
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {
        // TUPLE1..3
        const n = op - 0x84;
        if (stack.length < n) throw new ScanParseError(`stack underflow: ${MARK_ERR}`, at);
        const items = stack.splice(stack.length - n, n);
        items.forEach(markUsed);
        push({ t: 'tuple', items });
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark(at);
        if (items.length % 2 !== 0)
          throw new ScanParseError('DICT with an odd number of items', at);
        const pairs: [Value, Value][] = [];
        for (let i = 0; i < items.length; i += 2)
          pairs.push([items[i] as Value, items[i + 1] as Value]);
        items.forEach(markUsed);
        push({ t: 'dict', items: pairs });
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark(at);
        items.forEach(markUsed);
        push({ t: 'set', items });
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop(at);
        markUsed(v);
        const target = top(at);
        if (target.t === 'list') target.items.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark(at);
        items.forEach(markUsed);
        const target = top(at);
        if (target.t === 'list') for (const v of items) target.items.push(v);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark(at);
        items.forEach(markUsed);
        const target = top(at);
        if (target.t === 'set') for (const v of items) target.items.push(v);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop(at);
        const k = pop(at);
        markUsed(k);
        markUsed(v);
        const target = top(at);
        if (target.t === 'dict') target.items.push([k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark(at);
        if (items.length % 2 !== 0)
          throw new ScanParseError('SETITEMS with an odd number of items', at);
        items.forEach(markUsed);
        const target = top(at);
        if (target.t === 'dict') {
          for (let i = 0; i < items.length; i += 2)
            target.items.push([items[i] as Value, items[i + 1] as Value]);
        }
        break;
      }
      case 0x67: {
        // GET
        const line = readLine('GET', at);
        if (!/^\d+$/.test(line.trim()))
          throw new ScanParseError('GET argument is not an index', at);
        getMemo(Number(line.trim()), at);
        break;
      }
      case 0x68: // BINGET
        need(1, 'BINGET', at);
        getMemo(bytes[pos++] as number, at);
        break;
      case 0x6a: // LONG_BINGET
        need(4, 'LONG_BINGET', at);
        getMemo(view.getUint32(pos, true), at);
        pos += 4;
        break;
      case 0x70: {
        // PUT
        const line = readLine('PUT', at);
        if (!/^\d+$/.test(line.trim()))
          throw new ScanParseError('PUT argument is not an index', at);
        putMemo(Number(line.trim()), at);
        break;
      }
      case 0x71: // BINPUT
        need(1, 'BINPUT', at);
        putMemo(bytes[pos++] as number, at);
        break;
      case 0x72: // LONG_BINPUT
        need(4, 'LONG_BINPUT', at);
        putMemo(view.getUint32(pos, true), at);
        pos += 4;
        break;
      case 0x94: // MEMOIZE: index is len(memo), which PUT with sparse indexes can shift (picklescan#14)
        putMemo(memo.size, at);
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = readLine('GLOBAL module', at);
        const name = readLine('GLOBAL name', at);
        push(importGlobal(module, name, at, 'GLOBAL'));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL: operands must be constant strings, else the import is unresolvable
        const name = pop(at);
        const module = pop(at);
        if (module.t === 'str' && name.t === 'str') {
          push(importGlobal(module.v, name.v, at, 'STACK_GLOBAL'));
        } else {
          const mod = module.t === 'str' ? module.v : `<${module.t}>`;
          const nm = name.t === 'str' ? name.v : `<${name.t}>`;
          hooks.onImport(mod, nm, at, 'STACK_GLOBAL', false, proto);
          push({ t: 'global', full: `${mod}.${nm}`, module: mod, name: nm, off: at });
        }
        break;
      }
      case 0x82:
      case 0x83:
      case 0x84: {
        // EXT1/2/4: copyreg extension registry → a global chosen at load time
        const n = op === 0x82 ? 1 : op === 0x83 ? 2 : 4;
        need(n, 'EXT', at);
        const code =
          n === 1
            ? (bytes[pos] as number)
            : n === 2
              ? view.getUint16(pos, true)
              : view.getInt32(pos, true);
        pos += n;
        hooks.onImport(
          '<copyreg-extension>',
          String(code),
          at,
          OPCODE_NAMES[op] as string,
          false,
          proto,
        );
        push({
          t: 'global',
          full: `<copyreg-extension>.${code}`,
          module: '<copyreg-extension>',
          name: String(code),
          off: at,
        });
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop(at);
        const fn = pop(at);
        markUsed(fn);
        markUsed(args);
        hooks.onCall(fn, args, at, 'REDUCE');
        push({ t: 'call', fn, args, off: at, op: 'REDUCE', used: false, memo: false });
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop(at);
        const cls = pop(at);
        hooks.onCall(cls, args, at, 'NEWOBJ');
        push({ t: 'call', fn: cls, args, off: at, op: 'NEWOBJ', used: false, memo: false });
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
        const kwargs = pop(at);
        const args = pop(at);
        const cls = pop(at);
        const both: Value = { t: 'tuple', items: [args, kwargs] };
        hooks.onCall(cls, both, at, 'NEWOBJ_EX');
        push({
          t: 'call',
          fn: cls,
          args: both,
          off: at,
          op: 'NEWOBJ_EX',
          used: false,
          memo: false,
        });
        break;
      }
      case 0x69: {
        // INST: "module\nname\n" + MARK args → instantiate
        const module = readLine('INST module', at);
        const name = readLine('INST name', at);
        const cls = importGlobal(module, name, at, 'INST');
        const args: Value = { t: 'tuple', items: popMark(at) };
        hooks.onCall(cls, args, at, 'INST');
        push({ t: 'call', fn: cls, args, off: at, op: 'INST', used: false, memo: false });
        break;
      }
      case 0x6f: {
        // OBJ: MARK cls args… → instantiate
        const items = popMark(at);
        const cls = items.shift();
        if (!cls) throw new ScanParseError('OBJ without a class', at);
        const args: Value = { t: 'tuple', items };
        hooks.onCall(cls, args, at, 'OBJ');
        push({ t: 'call', fn: cls, args, off: at, op: 'OBJ', used: false, memo: false });
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop(at);
        const target = top(at);
        markUsed(state);
        hooks.onBuild(target, state, at);
        if (hooks.afterBuild) pos += hooks.afterBuild(target, state, bytes, pos);
        break;
      }
      case 0x50: {
        // PERSID
        const pid = str(readLine('PERSID', at), at);
        hooks.onPersistentId(pid, at);
        push({ t: 'pid', pid, off: at });
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop(at);
        markUsed(pid);
        hooks.onPersistentId(pid, at);
        push({ t: 'pid', pid, off: at });
        break;
      }
      default:
        throw new ScanParseError(`invalid pickle opcode 0x${op.toString(16).padStart(2, '0')}`, at);
    }
  }
}
