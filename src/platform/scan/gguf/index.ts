/**
 * @module GGUF scanner (llama.cpp, versions 2–3), streaming: header counts, metadata strings and
 * arrays, tensor infos bounded and checked against the file size; `tokenizer.chat_template` is
 * checked for Jinja sandbox escapes (CVE-2024-34359, llama-cpp-python SSTI: `__class__`, `__mro__`,
 * `__subclasses__`, `os.popen` …).
 */
import type { FormatScanner, ScanSession } from '../session.js';
import type { Source } from '../source.js';
import { startsWith } from '../source.js';
import { type ScanLocation, ScanParseError } from '../types.js';

/** ggml tensor types: [bytes per block, elements per block] (ggml.c `type_traits`). */
export const GGML_TYPES: Readonly<Record<number, [number, number]>> = {
  0: [4, 1],
  1: [2, 1],
  2: [18, 32],
  3: [20, 32],
  6: [22, 32],
  7: [24, 32],
  8: [34, 32],
  9: [36, 32],
  10: [84, 256],
  11: [110, 256],
  12: [144, 256],
  13: [176, 256],
  14: [210, 256],
  15: [292, 256],
  16: [66, 256],
  17: [74, 256],
  18: [98, 256],
  19: [50, 256],
  20: [18, 32],
  21: [110, 256],
  22: [82, 256],
  23: [136, 256],
  24: [1, 1],
  25: [2, 1],
  26: [4, 1],
  27: [8, 1],
  28: [8, 1],
  29: [56, 256],
  30: [2, 1],
  34: [54, 256],
  35: [66, 256],
  39: [17, 32],
};

/** Jinja escapes to the Python runtime (SSTI payloads; CVE-2024-34359). */
const TEMPLATE_ESCAPES: [RegExp, string][] = [
  [
    /__(class|mro|subclasses|globals|builtins|import|base|bases|init|getattribute|dict|code|func|self|loader|spec|reduce|reduce_ex)__/,
    'dunder attribute access',
  ],
  [/\bos\s*\.\s*(popen|system|exec\w*|spawn\w*)|\bsubprocess\b|\bpopen\s*\(/, 'process execution'],
  [/\b(eval|exec|compile|__import__|getattr|setattr)\s*\(/, 'Python code evaluation'],
  [/\|\s*attr\s*\(/, 'attr() filter (reaches arbitrary attributes)'],
  [
    /\b(lipsum|cycler|joiner|namespace|self|config|request|url_for|get_flashed_messages)\s*\.\s*_/,
    'private attribute of a Jinja global',
  ],
  [/\bimport\s+os\b|\bfrom\s+os\s+import\b/, 'import of os'],
];

/** Buffered sequential reader over a Source (1 MiB window). */
class Stream {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  pos: number;
  constructor(
    private readonly src: Source,
    start: number,
  ) {
    this.pos = start;
  }
  bytes(n: number, what: string): Uint8Array {
    if (n < 0 || this.pos + n > this.src.size)
      throw new ScanParseError(`truncated GGUF: ${what} runs past the end`, this.pos);
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      this.bufStart = this.pos;
      this.buf = this.src.read(this.pos, Math.max(n, 1 << 20));
    }
    const out = this.buf.subarray(this.pos - this.bufStart, this.pos - this.bufStart + n);
    this.pos += n;
    return out;
  }
  u32(what: string): number {
    const b = this.bytes(4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }
  u64(what: string): number {
    const b = this.bytes(8, what);
    const v = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new ScanParseError(`GGUF ${what} ${v} out of range`, this.pos - 8);
    return Number(v);
  }
  string(what: string, max: number): string {
    const n = this.u64(`${what} length`);
    if (n > max) throw new ScanParseError(`GGUF ${what} is ${n} bytes (limit ${max})`, this.pos);
    return new TextDecoder().decode(this.bytes(n, what));
  }
}

const SCALAR_BYTES: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

function readValue(
  s: Stream,
  type: number,
  key: string,
  depth: number,
  onString: (v: string) => void,
): unknown {
  if (type === 8) {
    const v = s.string(`value of ${key}`, 64 * 1024 * 1024);
    onString(v);
    return v;
  }
  if (type === 9) {
    if (depth > 2) throw new ScanParseError(`GGUF array nesting too deep in ${key}`, s.pos);
    const inner = s.u32(`${key} array type`);
    const n = s.u64(`${key} array length`);
    if (n > 100_000_000) throw new ScanParseError(`GGUF array ${key} has ${n} items`, s.pos);
    if (SCALAR_BYTES[inner] !== undefined) {
      s.bytes(n * (SCALAR_BYTES[inner] as number), `${key} array`);
      return undefined;
    }
    for (let i = 0; i < n; i++) readValue(s, inner, key, depth + 1, onString);
    return undefined;
  }
  const size = SCALAR_BYTES[type];
  if (size === undefined)
    throw new ScanParseError(`GGUF metadata ${key} has unknown value type ${type}`, s.pos);
  const b = s.bytes(size, key);
  const view = new DataView(b.buffer, b.byteOffset, size);
  return type === 4
    ? view.getUint32(0, true)
    : type === 10
      ? Number(view.getBigUint64(0, true))
      : undefined;
}

function checkTemplate(
  session: ScanSession,
  template: string,
  location: ScanLocation,
  key: string,
): void {
  for (const [re, what] of TEMPLATE_ESCAPES) {
    const m = re.exec(template);
    if (m) {
      session.report(
        'scan.gguf.template-injection',
        'critical',
        `${key} contains ${what} (${JSON.stringify(m[0].slice(0, 40))}): Jinja sandbox escape (CVE-2024-34359)`,
        location,
      );
    }
  }
}

/** The GGUF scanner. */
export const ggufScanner: FormatScanner = {
  id: 'gguf',
  title: 'GGUF (llama.cpp)',
  sniff: (probe) => startsWith(probe.head, 'GGUF'),
  scan(blob, session) {
    const s = new Stream(blob.source, 4);
    const version = s.u32('version');
    if (version < 2 || version > 3)
      throw new ScanParseError(`unsupported GGUF version ${version}`, 4);
    const tensorCount = s.u64('tensor count');
    const kvCount = s.u64('metadata count');
    if (tensorCount > 10_000_000 || kvCount > 10_000_000)
      throw new ScanParseError('GGUF header counts are implausibly large', 8);
    let alignment = 32;
    for (let i = 0; i < kvCount; i++) {
      const key = s.string('metadata key', 65_536);
      const type = s.u32(`type of ${key}`);
      const value = readValue(s, type, key, 0, (v) => {
        if (/chat_template/.test(key)) checkTemplate(session, v, blob.location, key);
      });
      if (key === 'general.alignment') {
        if (typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0)
          throw new ScanParseError('general.alignment must be a power of two');
        alignment = value;
      }
    }
    const tensors: { name: string; offset: number; bytes: number | undefined }[] = [];
    const names = new Set<string>();
    for (let i = 0; i < tensorCount; i++) {
      const name = s.string('tensor name', 65_536);
      const nd = s.u32(`${name} rank`);
      if (nd > 8)
        throw new ScanParseError(
          `tensor ${name.slice(0, 100)} has ${nd} dimensions (GGML_MAX_DIMS is 4)`,
        );
      let elements = 1n;
      for (let d = 0; d < nd; d++) elements *= BigInt(s.u64(`${name} dim`));
      const type = s.u32(`${name} type`);
      const offset = s.u64(`${name} offset`);
      if (names.has(name))
        session.report(
          'scan.gguf.duplicate-tensor',
          'high',
          `duplicate tensor name ${JSON.stringify(name.slice(0, 100))}`,
          blob.location,
        );
      names.add(name);
      if (offset % alignment !== 0)
        session.report(
          'scan.gguf.misaligned',
          'medium',
          `tensor ${JSON.stringify(name.slice(0, 100))} offset is not aligned to ${alignment}`,
          blob.location,
        );
      const traits = GGML_TYPES[type];
      let bytes: number | undefined;
      if (!traits) {
        session.report(
          'scan.gguf.unknown-type',
          'low',
          `tensor ${JSON.stringify(name.slice(0, 100))} has ggml type ${type}; its size is not checked`,
          blob.location,
        );
      } else {
        const [blockBytes, blockElems] = traits;
        if (elements % BigInt(blockElems) !== 0n)
          session.report(
            'scan.gguf.block-size',
            'medium',
            `tensor ${JSON.stringify(name.slice(0, 100))} element count is not a multiple of the block size`,
            blob.location,
          );
        const b = (elements / BigInt(blockElems)) * BigInt(blockBytes);
        if (b > BigInt(Number.MAX_SAFE_INTEGER))
          throw new ScanParseError(`tensor ${name.slice(0, 100)} size overflows`);
        bytes = Number(b);
      }
      tensors.push({ name, offset, bytes });
    }
    const dataStart = Math.ceil(s.pos / alignment) * alignment;
    for (const t of tensors) {
      if (t.bytes !== undefined && dataStart + t.offset + t.bytes > blob.source.size) {
        throw new ScanParseError(
          `tensor ${t.name.slice(0, 100)} data runs past the end of the file (truncated?)`,
        );
      }
    }
    tensors.sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < tensors.length; i++) {
      const prev = tensors[i - 1] as (typeof tensors)[number];
      const cur = tensors[i] as (typeof tensors)[number];
      if (prev.bytes !== undefined && prev.offset + prev.bytes > cur.offset) {
        session.report(
          'scan.gguf.overlap',
          'high',
          `tensors ${JSON.stringify(prev.name.slice(0, 60))} and ${JSON.stringify(cur.name.slice(0, 60))} overlap`,
          blob.location,
        );
      }
    }
    return 'gguf';
  },
};
