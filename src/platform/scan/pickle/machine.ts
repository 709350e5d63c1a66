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
 * The machine's state and one small method per opcode. The dispatch loop stays small on purpose:
 * written as one 600-line function with closures, V8 spent ≈ 250 ms of background TurboFan
 * compilation on it (OSR plus a full compile) for a corpus of 136 files, and a process waits for
 * pending compile jobs before it exits; small methods compile in milliseconds, only when hot.
 */
class Machine {
  pos: number;
  readonly end: number;
  stack: Value[] = [];
  readonly meta: Value[][] = [];
  readonly memo = new Map<number, Value>();
  proto = 0;
  sawProto = false;
  readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly hooks: MachineHooks,
    readonly limits: MachineLimits,
    readonly stats: MachineStats,
  ) {
    this.pos = start;
    this.end = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): MachineResult {
    const bytes = this.bytes;
    const stats = this.stats;
    while (true) {
      const at = this.pos;
      if (at >= this.end) throw new ScanParseError('truncated pickle: no STOP opcode', at);
      if (++stats.ops > this.limits.maxOps) {
        throw new ScanParseError(
          `more than ${this.limits.maxOps} opcodes (raise the limit to scan it)`,
          at,
        );
      }
      if (this.stack.length > stats.maxStack) stats.maxStack = this.stack.length;
      const op = bytes[at] as number;
      this.pos = at + 1;
      if (op === 0x2e) return this.opStop(at); // STOP
      (HANDLERS[op] as OpHandler)(this, at, op);
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  need(n: number, what: string, at: number): void {
    if (n < 0 || this.pos + n > this.end)
      throw new ScanParseError(`truncated pickle: ${what} needs ${n} bytes`, at);
  }

  readLine(what: string, at: number): string {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0) throw new ScanParseError(`truncated pickle: ${what} has no newline`, at);
    const line = LATIN1.decode(this.bytes.subarray(this.pos, nl));
    this.pos = nl + 1;
    return line;
  }

  /** The decimal index argument of GET/PUT (protocol 0). */
  textIndex(what: 'GET' | 'PUT', at: number): number {
    const line = this.readLine(what, at);
    if (!/^\d+$/.test(line.trim()))
      throw new ScanParseError(`${what} argument is not an index`, at);
    return Number(line.trim());
  }

  /**
   * Pushes onto the current stack. A method, not `this.stack.push(…)` at call sites: there
   * `this.stack` is read before the argument runs, and an argument that pops a MARK replaces it.
   */
  push(v: Value): void {
    this.stack.push(v);
  }

  pop(at: number): Value {
    const v = this.stack.pop();
    if (v === undefined) throw new ScanParseError(`stack underflow: ${MARK_ERR}`, at);
    return v;
  }

  top(at: number): Value {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined) throw new ScanParseError(`stack underflow: ${MARK_ERR}`, at);
    return v;
  }

  popMark(at: number): Value[] {
    const items = this.stack;
    const prev = this.meta.pop();
    if (prev === undefined) throw new ScanParseError('MARK expected but none set', at);
    this.stack = prev;
    return items;
  }

  /** popMark, with every item marked used (it becomes part of a container). */
  popMarkUsed(at: number): Value[] {
    const items = this.popMark(at);
    items.forEach(markUsed);
    return items;
  }

  str(v: string, off: number): Value {
    const s: Value = { t: 'str', v, off };
    this.hooks.onConstant?.(s, off);
    return s;
  }

  byt(v: Uint8Array, off: number): Value {
    const b: Value = { t: 'bytes', v, off };
    this.hooks.onConstant?.(b, off);
    return b;
  }

  importGlobal(module: string, name: string, at: number, op: string): Value {
    this.hooks.onImport(module, name, at, op, true, this.proto);
    return { t: 'global', full: `${module}.${name}`, module, name, off: at };
  }

  putMemo(idx: number, at: number): void {
    if (!Number.isSafeInteger(idx) || idx < 0)
      throw new ScanParseError('negative or invalid memo index', at);
    const v = this.top(at);
    if (!this.memo.has(idx) && this.memo.size >= this.limits.maxMemo) {
      throw new ScanParseError(
        `memo exceeds ${this.limits.maxMemo} entries (expansion attack?)`,
        at,
      );
    }
    if (v.t === 'call') v.memo = true;
    this.memo.set(idx, v);
    this.stats.puts++;
  }

  getMemo(idx: number, at: number): void {
    const v = this.memo.get(idx);
    if (v === undefined) throw new ScanParseError(`memo key ${idx} not found`, at);
    this.stats.gets++;
    this.push(v);
  }

  /**
   * Reads a u8/u32/u64 length prefix (`width` 1, 4 or 8); a u64 larger than the rest of the data
   * fails as `truncated pickle: ${truncated}`.
   */
  lengthPrefix(width: 1 | 4 | 8, what: string, at: number, truncated = what): number {
    this.need(width, what, at);
    let n: number;
    if (width === 1) n = this.bytes[this.pos] as number;
    else if (width === 4) n = this.view.getUint32(this.pos, true);
    else {
      const big = this.view.getBigUint64(this.pos, true);
      if (big > BigInt(this.end - this.pos - 8))
        throw new ScanParseError(`truncated pickle: ${truncated}`, at);
      n = Number(big);
    }
    this.pos += width;
    return n;
  }

  // --- opcodes ---------------------------------------------------------------------------------

  opProto(at: number): void {
    this.need(1, 'PROTO', at);
    const p = this.bytes[this.pos++] as number;
    if (p > 5) throw new ScanParseError(`unsupported pickle protocol ${p}`, at);
    if (this.sawProto || at !== this.start)
      this.hooks.onAnomaly(
        'scan.pickle.misplaced-proto',
        'PROTO opcode not at the start of the stream (or repeated)',
        at,
      );
    this.sawProto = true;
    this.proto = p;
  }

  /** FRAME: a length prefix; the frame must fit in the data. */
  opFrame(at: number): void {
    this.need(8, 'FRAME', at);
    const n = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (n > BigInt(this.end - this.pos))
      throw new ScanParseError('FRAME larger than the remaining data', at);
  }

  opStop(at: number): MachineResult {
    const value = this.pop(at);
    if (this.stack.length > 0 || this.meta.length > 0) {
      this.hooks.onAnomaly(
        'scan.pickle.leftover-stack',
        `${this.stack.length + this.meta.reduce((n, s) => n + s.length, 0)} values left on the stack at STOP (injected payload?)`,
        at,
      );
    }
    markUsed(value);
    return { end: this.pos, complete: true, proto: this.proto, stats: this.stats, value };
  }

  /** POP: discarding a call result nobody else references is the classic injection tell. */
  opPop(at: number): void {
    const v = this.stack.length === 0 ? undefined : this.stack.pop();
    if (v === undefined) {
      this.popMark(at);
    } else if (v.t === 'call' && !v.used && !v.memo) {
      this.hooks.onAnomaly(
        'scan.pickle.discarded-call',
        'the result of a call is popped and never used',
        at,
      );
    }
  }

  opPopMark(at: number): void {
    for (const v of this.popMark(at)) {
      if (v.t === 'call' && !v.used && !v.memo) {
        this.hooks.onAnomaly(
          'scan.pickle.discarded-call',
          'the result of a call is popped and never used',
          at,
        );
      }
    }
  }

  /** INT (text); "01"/"00" are protocol-0 booleans. */
  opInt(at: number): void {
    const line = this.readLine('INT', at);
    if (line === '01' || line === '00') this.push({ t: 'bool', v: line === '01' });
    else {
      if (!/^[+-]?\d+$/.test(line.trim()))
        throw new ScanParseError('INT argument is not an integer', at);
      this.push({ t: 'int', v: narrow(BigInt(line.trim())) });
    }
  }

  /** LONG (text, optional trailing L). */
  opLong(at: number): void {
    const line = this.readLine('LONG', at).trim().replace(/L$/, '');
    if (!/^[+-]?\d+$/.test(line)) throw new ScanParseError('LONG argument is not an integer', at);
    this.push({ t: 'int', v: narrow(BigInt(line)) });
  }

  opBinInt(at: number): void {
    this.need(4, 'BININT', at);
    this.push({ t: 'int', v: this.view.getInt32(this.pos, true) });
    this.pos += 4;
  }

  opBinInt1(at: number): void {
    this.need(1, 'BININT1', at);
    this.push({ t: 'int', v: this.bytes[this.pos++] as number });
  }

  opBinInt2(at: number): void {
    this.need(2, 'BININT2', at);
    this.push({ t: 'int', v: this.view.getUint16(this.pos, true) });
    this.pos += 2;
  }

  opLong1(at: number): void {
    this.need(1, 'LONG1', at);
    const n = this.bytes[this.pos++] as number;
    this.need(n, 'LONG1', at);
    this.push({ t: 'int', v: decodeLong(this.bytes.subarray(this.pos, this.pos + n)) });
    this.pos += n;
  }

  opLong4(at: number): void {
    this.need(4, 'LONG4', at);
    const n = this.view.getInt32(this.pos, true);
    this.pos += 4;
    if (n < 0) throw new ScanParseError('LONG4 negative byte count', at);
    this.need(n, 'LONG4', at);
    this.push({
      t: 'int',
      v: n > 64 ? 0n : decodeLong(this.bytes.subarray(this.pos, this.pos + n)),
    });
    this.pos += n;
  }

  /** FLOAT (text). */
  opFloat(at: number): void {
    const line = this.readLine('FLOAT', at);
    const f = Number(line);
    if (line.trim() === '' || (Number.isNaN(f) && !/nan/i.test(line)))
      throw new ScanParseError('FLOAT argument is not a number', at);
    this.push({ t: 'float', v: f });
  }

  /** BINFLOAT (big-endian). */
  opBinFloat(at: number): void {
    this.need(8, 'BINFLOAT', at);
    this.push({ t: 'float', v: this.view.getFloat64(this.pos, false) });
    this.pos += 8;
  }

  /** BINSTRING (i32) / SHORT_BINSTRING (u8): str in Python 3 (latin-1/ASCII decoded). */
  opBinString(at: number, op: number): void {
    let n: number;
    if (op === 0x54) {
      this.need(4, 'BINSTRING', at);
      n = this.view.getInt32(this.pos, true);
      this.pos += 4;
      if (n < 0) throw new ScanParseError('BINSTRING negative length', at);
    } else {
      this.need(1, 'SHORT_BINSTRING', at);
      n = this.bytes[this.pos++] as number;
    }
    this.need(n, 'BINSTRING', at);
    this.push(this.str(LATIN1.decode(this.bytes.subarray(this.pos, this.pos + n)), at));
    this.pos += n;
  }

  /** BINUNICODE (u32) / SHORT_BINUNICODE (u8) / BINUNICODE8 (u64). */
  opBinUnicode(at: number, op: number): void {
    const n =
      op === 0x8c
        ? this.lengthPrefix(1, 'SHORT_BINUNICODE', at)
        : op === 0x58
          ? this.lengthPrefix(4, 'BINUNICODE', at)
          : this.lengthPrefix(8, 'BINUNICODE8', at);
    this.need(n, 'BINUNICODE', at);
    const raw = this.bytes.subarray(this.pos, this.pos + n);
    let s: string;
    try {
      s = UTF8.decode(raw);
    } catch {
      // CPython uses 'surrogatepass'; lone surrogates decode there but fail here. Keep the bytes readable.
      s = LATIN1.decode(raw);
    }
    this.push(this.str(s, at));
    this.pos += n;
  }

  /** BINBYTES (u32) / SHORT_BINBYTES (u8) / BINBYTES8 / BYTEARRAY8 (u64). */
  opBinBytes(at: number, op: number): void {
    const n =
      op === 0x43
        ? this.lengthPrefix(1, 'SHORT_BINBYTES', at)
        : op === 0x42
          ? this.lengthPrefix(4, 'BINBYTES', at)
          : this.lengthPrefix(8, 'BINBYTES8', at, 'BINBYTES8/BYTEARRAY8');
    this.need(n, 'BINBYTES', at);
    this.push(this.byt(this.bytes.subarray(this.pos, this.pos + n), at));
    this.pos += n;
  }

  /** NEXT_BUFFER / READONLY_BUFFER (protocol 5 out-of-band). */
  opBuffer(at: number, op: number): void {
    if (op === 0x97) this.push({ t: 'buffer' });
    else this.top(at);
    this.hooks.onAnomaly(
      'scan.pickle.out-of-band-buffer',
      'protocol-5 out-of-band buffer referenced',
      at,
    );
  }

  opTupleN(at: number, n: number): void {
    if (this.stack.length < n) throw new ScanParseError(`stack underflow: ${MARK_ERR}`, at);
    const items = this.stack.splice(this.stack.length - n, n);
    items.forEach(markUsed);
    this.push({ t: 'tuple', items });
  }

  opDict(at: number): void {
    const items = this.popMark(at);
    if (items.length % 2 !== 0) throw new ScanParseError('DICT with an odd number of items', at);
    const pairs: [Value, Value][] = [];
    for (let i = 0; i < items.length; i += 2)
      pairs.push([items[i] as Value, items[i + 1] as Value]);
    items.forEach(markUsed);
    this.push({ t: 'dict', items: pairs });
  }

  opAppend(at: number): void {
    const v = this.pop(at);
    markUsed(v);
    const target = this.top(at);
    if (target.t === 'list') target.items.push(v);
  }

  opAppends(at: number): void {
    const items = this.popMarkUsed(at);
    const target = this.top(at);
    if (target.t === 'list') for (const v of items) target.items.push(v);
  }

  opAddItems(at: number): void {
    const items = this.popMarkUsed(at);
    const target = this.top(at);
    if (target.t === 'set') for (const v of items) target.items.push(v);
  }

  opSetItem(at: number): void {
    const v = this.pop(at);
    const k = this.pop(at);
    markUsed(k);
    markUsed(v);
    const target = this.top(at);
    if (target.t === 'dict') target.items.push([k, v]);
  }

  opSetItems(at: number): void {
    const items = this.popMark(at);
    if (items.length % 2 !== 0)
      throw new ScanParseError('SETITEMS with an odd number of items', at);
    items.forEach(markUsed);
    const target = this.top(at);
    if (target.t === 'dict') {
      for (let i = 0; i < items.length; i += 2)
        target.items.push([items[i] as Value, items[i + 1] as Value]);
    }
  }

  /** GLOBAL: "module\nname\n". */
  opGlobal(at: number): void {
    const module = this.readLine('GLOBAL module', at);
    const name = this.readLine('GLOBAL name', at);
    this.push(this.importGlobal(module, name, at, 'GLOBAL'));
  }

  /** STACK_GLOBAL: operands must be constant strings, else the import is unresolvable. */
  opStackGlobal(at: number): void {
    const name = this.pop(at);
    const module = this.pop(at);
    if (module.t === 'str' && name.t === 'str') {
      this.push(this.importGlobal(module.v, name.v, at, 'STACK_GLOBAL'));
    } else {
      const mod = module.t === 'str' ? module.v : `<${module.t}>`;
      const nm = name.t === 'str' ? name.v : `<${name.t}>`;
      this.hooks.onImport(mod, nm, at, 'STACK_GLOBAL', false, this.proto);
      this.push({ t: 'global', full: `${mod}.${nm}`, module: mod, name: nm, off: at });
    }
  }

  /** EXT1/2/4: copyreg extension registry → a global chosen at load time. */
  opExt(at: number, op: number): void {
    const n = op === 0x82 ? 1 : op === 0x83 ? 2 : 4;
    this.need(n, 'EXT', at);
    const code =
      n === 1
        ? (this.bytes[this.pos] as number)
        : n === 2
          ? this.view.getUint16(this.pos, true)
          : this.view.getInt32(this.pos, true);
    this.pos += n;
    this.hooks.onImport(
      '<copyreg-extension>',
      String(code),
      at,
      OPCODE_NAMES[op] as string,
      false,
      this.proto,
    );
    this.push({
      t: 'global',
      full: `<copyreg-extension>.${code}`,
      module: '<copyreg-extension>',
      name: String(code),
      off: at,
    });
  }

  opReduce(at: number): void {
    const args = this.pop(at);
    const fn = this.pop(at);
    markUsed(fn);
    markUsed(args);
    this.hooks.onCall(fn, args, at, 'REDUCE');
    this.push({ t: 'call', fn, args, off: at, op: 'REDUCE', used: false, memo: false });
  }

  /** NEWOBJ: cls.__new__(cls, *args). */
  opNewObj(at: number): void {
    const args = this.pop(at);
    const cls = this.pop(at);
    this.hooks.onCall(cls, args, at, 'NEWOBJ');
    this.push({ t: 'call', fn: cls, args, off: at, op: 'NEWOBJ', used: false, memo: false });
  }

  /** NEWOBJ_EX: cls.__new__(cls, *args, **kwargs). */
  opNewObjEx(at: number): void {
    const kwargs = this.pop(at);
    const args = this.pop(at);
    const cls = this.pop(at);
    const both: Value = { t: 'tuple', items: [args, kwargs] };
    this.hooks.onCall(cls, both, at, 'NEWOBJ_EX');
    this.push({
      t: 'call',
      fn: cls,
      args: both,
      off: at,
      op: 'NEWOBJ_EX',
      used: false,
      memo: false,
    });
  }

  /** INST: "module\nname\n" + MARK args → instantiate. */
  opInst(at: number): void {
    const module = this.readLine('INST module', at);
    const name = this.readLine('INST name', at);
    const cls = this.importGlobal(module, name, at, 'INST');
    const args: Value = { t: 'tuple', items: this.popMark(at) };
    this.hooks.onCall(cls, args, at, 'INST');
    this.push({ t: 'call', fn: cls, args, off: at, op: 'INST', used: false, memo: false });
  }

  /** OBJ: MARK cls args… → instantiate. */
  opObj(at: number): void {
    const items = this.popMark(at);
    const cls = items.shift();
    if (!cls) throw new ScanParseError('OBJ without a class', at);
    const args: Value = { t: 'tuple', items };
    this.hooks.onCall(cls, args, at, 'OBJ');
    this.push({ t: 'call', fn: cls, args, off: at, op: 'OBJ', used: false, memo: false });
  }

  opBuild(at: number): void {
    const state = this.pop(at);
    const target = this.top(at);
    markUsed(state);
    this.hooks.onBuild(target, state, at);
    if (this.hooks.afterBuild)
      this.pos += this.hooks.afterBuild(target, state, this.bytes, this.pos);
  }

  opPersId(at: number): void {
    const pid = this.str(this.readLine('PERSID', at), at);
    this.hooks.onPersistentId(pid, at);
    this.push({ t: 'pid', pid, off: at });
  }

  opBinPersId(at: number): void {
    const pid = this.pop(at);
    markUsed(pid);
    this.hooks.onPersistentId(pid, at);
    this.push({ t: 'pid', pid, off: at });
  }
}

/** One handler per opcode byte (CPython pickletools); STOP is handled by the loop. */
type OpHandler = (m: Machine, at: number, op: number) => void;

function invalidOpcode(_m: Machine, at: number, op: number): void {
  throw new ScanParseError(`invalid pickle opcode 0x${op.toString(16).padStart(2, '0')}`, at);
}

/**
 * Opcode byte → handler. A table, not a `switch` in the loop: the loop then stays a few dozen
 * bytes of bytecode, so V8 optimises it (and each hot handler) in milliseconds (see Machine).
 */
const HANDLERS: OpHandler[] = new Array<OpHandler>(256).fill(invalidOpcode);
function on(ops: readonly number[], handler: OpHandler): void {
  for (const op of ops) HANDLERS[op] = handler;
}

// PROTO
on([0x80], (m, at) => m.opProto(at));
// FRAME
on([0x95], (m, at) => m.opFrame(at));
// MARK
on([0x28], (m) => {
  m.meta.push(m.stack);
  m.stack = [];
});
// POP
on([0x30], (m, at) => m.opPop(at));
// POP_MARK
on([0x31], (m, at) => m.opPopMark(at));
// DUP
on([0x32], (m, at) => {
  m.stats.dups++;
  m.push(m.top(at));
});
// NONE
on([0x4e], (m) => m.push({ t: 'none' }));
// NEWTRUE / NEWFALSE
on([0x88, 0x89], (m, _at, op) => m.push({ t: 'bool', v: op === 0x88 }));
// INT
on([0x49], (m, at) => m.opInt(at));
// LONG
on([0x4c], (m, at) => m.opLong(at));
// BININT
on([0x4a], (m, at) => m.opBinInt(at));
// BININT1
on([0x4b], (m, at) => m.opBinInt1(at));
// BININT2
on([0x4d], (m, at) => m.opBinInt2(at));
// LONG1
on([0x8a], (m, at) => m.opLong1(at));
// LONG4
on([0x8b], (m, at) => m.opLong4(at));
// FLOAT
on([0x46], (m, at) => m.opFloat(at));
// BINFLOAT
on([0x47], (m, at) => m.opBinFloat(at));
// STRING
on([0x53], (m, at) =>
  m.push(m.str(decodeStringLiteral(m.readLine('STRING', at).trimEnd(), at), at)),
);
// BINSTRING / SHORT_BINSTRING
on([0x54, 0x55], (m, at, op) => m.opBinString(at, op));
// UNICODE
on([0x56], (m, at) => m.push(m.str(decodeRawUnicode(m.readLine('UNICODE', at)), at)));
// BINUNICODE / SHORT_BINUNICODE / BINUNICODE8
on([0x58, 0x8c, 0x8d], (m, at, op) => m.opBinUnicode(at, op));
// BINBYTES / SHORT_BINBYTES / BINBYTES8 / BYTEARRAY8
on([0x42, 0x43, 0x8e, 0x96], (m, at, op) => m.opBinBytes(at, op));
// NEXT_BUFFER / READONLY_BUFFER
on([0x97, 0x98], (m, at, op) => m.opBuffer(at, op));
// EMPTY_LIST
on([0x5d], (m) => m.push({ t: 'list', items: [] }));
// EMPTY_TUPLE
on([0x29], (m) => m.push({ t: 'tuple', items: [] }));
// EMPTY_DICT
on([0x7d], (m) => m.push({ t: 'dict', items: [] }));
// EMPTY_SET
on([0x8f], (m) => m.push({ t: 'set', items: [] }));
// LIST
on([0x6c], (m, at) => m.push({ t: 'list', items: m.popMarkUsed(at) }));
// TUPLE
on([0x74], (m, at) => m.push({ t: 'tuple', items: m.popMarkUsed(at) }));
// TUPLE1..3
on([0x85, 0x86, 0x87], (m, at, op) => m.opTupleN(at, op - 0x84));
// DICT
on([0x64], (m, at) => m.opDict(at));
// FROZENSET
on([0x91], (m, at) => m.push({ t: 'set', items: m.popMarkUsed(at) }));
// APPEND
on([0x61], (m, at) => m.opAppend(at));
// APPENDS
on([0x65], (m, at) => m.opAppends(at));
// ADDITEMS
on([0x90], (m, at) => m.opAddItems(at));
// SETITEM
on([0x73], (m, at) => m.opSetItem(at));
// SETITEMS
on([0x75], (m, at) => m.opSetItems(at));
// GET
on([0x67], (m, at) => m.getMemo(m.textIndex('GET', at), at));
// BINGET
on([0x68], (m, at) => {
  m.need(1, 'BINGET', at);
  m.getMemo(m.bytes[m.pos++] as number, at);
});
// LONG_BINGET
on([0x6a], (m, at) => {
  m.need(4, 'LONG_BINGET', at);
  m.getMemo(m.view.getUint32(m.pos, true), at);
  m.pos += 4;
});
// PUT
on([0x70], (m, at) => m.putMemo(m.textIndex('PUT', at), at));
// BINPUT
on([0x71], (m, at) => {
  m.need(1, 'BINPUT', at);
  m.putMemo(m.bytes[m.pos++] as number, at);
});
// LONG_BINPUT
on([0x72], (m, at) => {
  m.need(4, 'LONG_BINPUT', at);
  m.putMemo(m.view.getUint32(m.pos, true), at);
  m.pos += 4;
});
// MEMOIZE: index is len(memo), which PUT with sparse indexes can shift (picklescan#14)
on([0x94], (m, at) => m.putMemo(m.memo.size, at));
// GLOBAL
on([0x63], (m, at) => m.opGlobal(at));
// STACK_GLOBAL
on([0x93], (m, at) => m.opStackGlobal(at));
// EXT1/2/4
on([0x82, 0x83, 0x84], (m, at, op) => m.opExt(at, op));
// REDUCE
on([0x52], (m, at) => m.opReduce(at));
// NEWOBJ
on([0x81], (m, at) => m.opNewObj(at));
// NEWOBJ_EX
on([0x92], (m, at) => m.opNewObjEx(at));
// INST
on([0x69], (m, at) => m.opInst(at));
// OBJ
on([0x6f], (m, at) => m.opObj(at));
// BUILD
on([0x62], (m, at) => m.opBuild(at));
// PERSID
on([0x50], (m, at) => m.opPersId(at));
// BINPERSID
on([0x51], (m, at) => m.opBinPersId(at));

function markUsed(v: Value): void {
  if (v.t === 'call') v.used = true;
}

/** A BigInt as a number when it is a safe integer. */
function narrow(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(b)
    : b;
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
  return new Machine(bytes, start, hooks, limits, stats).run();
}
