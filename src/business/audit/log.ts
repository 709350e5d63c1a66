/**
 * @module The decision "black box" (CAICT-AISF-2020 §4(一)2(3): key decision records that cannot be
 * deleted, altered or forged): an append-only file of canonical-JSON records, an RFC 9162 Merkle
 * tree over them, and Ed25519-signed checkpoints chained by hash. Appends are batched and fsync'd
 * before they are acknowledged, so every acknowledged record survives kill -9.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { AisfError } from '../../errors.js';
import { canonicalJson, canonicalRecord } from './canonical.js';
import { leafHash, MerkleFrontier } from './merkle.js';

/** File names inside a log folder. */
export const LOG_FILES = {
  records: 'records.jsonl',
  checkpoints: 'checkpoints.jsonl',
  privateKey: 'signing-key.pem',
  publicKey: 'signing-key.pub.pem',
} as const;

/** One decision as the guard records it (hashes, never raw payloads: PIPL data minimisation). */
export interface DecisionRecord {
  kind: 'decision' | 'override' | 'review' | 'admin';
  requestId: string;
  keyId?: string;
  route?: string;
  model?: string;
  inputSha256?: string;
  outputSha256?: string;
  /** Ids of the steps/scanners that fired, e.g. `guard.output.pii:cn_mobile`. */
  fired?: string[];
  action: string;
  status?: number;
  reason?: string;
  latencyMs?: number;
  detail?: Record<string, unknown>;
}

/** A stored record: the decision plus its position and time. */
export interface StoredRecord extends DecisionRecord {
  seq: number;
  ts: string;
}

/** A signed tree head. `sig` is Ed25519 over the canonical JSON of all other fields. */
export interface Checkpoint {
  origin: string;
  size: number;
  /** base64 MTH over records [0, size). */
  root: string;
  ts: string;
  /** SHA-256 hex of the previous checkpoint line ('' for the first): deleting one breaks the chain. */
  prev: string;
  keyId: string;
  sig: string;
}

export interface AuditLogOptions {
  /** Log identity written into every checkpoint. @default 'aisf-guard' */
  origin?: string;
  /** Ed25519 private key (PEM); default: `signing-key.pem` in the folder, created on first use. */
  privateKeyPem?: string;
  /** Sign a checkpoint after this many new records. @default 1000 */
  checkpointEvery?: number;
  /** …or after this many ms with new records (transparency-dev loggers use ~1 s). @default 1000 */
  checkpointIntervalMs?: number;
  /**
   * Batch window for fsync (group commit): acks wait at most about this long. 0: flush as soon as
   * the event loop turns and the previous flush is done — records that arrive during one fsync
   * share the next (the lowest ack latency; what callers that wait for durability want). @default 5
   */
  flushIntervalMs?: number;
  /** Injected clock for tests. */
  now?: () => Date;
}

/** The 8-hex key id: SHA-256 of the SPKI DER, first 4 bytes (as signed-note key hints). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 8);
}

/** The bytes a checkpoint signature covers. */
export function checkpointBody(cp: Omit<Checkpoint, 'sig'>): Buffer {
  const { origin, size, root, ts, prev, keyId } = cp;
  return Buffer.from(canonicalJson({ origin, size, root, ts, prev, keyId }));
}

/**
 * Reads the complete lines of a JSONL file; a torn last line (crash mid-write) is reported, not
 * parsed. `validBytes` is where the complete lines end.
 */
export function readLines(path: string): { lines: string[]; validBytes: number; torn: boolean } {
  if (!existsSync(path)) return { lines: [], validBytes: 0, torn: false };
  const data = readFileSync(path);
  const lastNewline = data.lastIndexOf(0x0a);
  const validBytes = lastNewline + 1;
  const text = data.subarray(0, validBytes).toString('utf8');
  const lines = text.length === 0 ? [] : text.slice(0, -1).split('\n');
  return { lines, validBytes, torn: validBytes < data.length };
}

function loadOrCreateKey(dir: string, pem: string | undefined): KeyObject {
  if (pem) return createPrivateKey(pem);
  const path = join(dir, LOG_FILES.privateKey);
  if (existsSync(path)) return createPrivateKey(readFileSync(path));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(path, 0o600);
  writeFileSync(join(dir, LOG_FILES.publicKey), publicKey.export({ type: 'spki', format: 'pem' }));
  return privateKey;
}

interface Pending {
  line: string;
  /** Absent for `appendNoWait`. */
  resolve: ((seq: number) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
  seq: number;
}

/**
 * The append-only decision log.
 *
 * @example
 * const log = await AuditLog.open('./audit');
 * const seq = await log.append({ kind: 'decision', requestId: 'r1', action: 'allow' });
 * await log.close();
 */
export class AuditLog {
  private readonly tree: MerkleFrontier;
  private queue: Pending[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lastCheckpointSize: number;
  private lastCheckpointAt: number;
  private prevCheckpointHash: string;
  /** The checkpoint being written off the flush path (one at a time), and whether there is one. */
  private checkpointChain: Promise<void> = Promise.resolve();
  private checkpointPending = false;
  private closed = false;
  private failure: unknown;
  private nextSeq: number;

  private constructor(
    readonly dir: string,
    private readonly records: FileHandle,
    private readonly checkpoints: FileHandle,
    private readonly key: KeyObject,
    private readonly keyId: string,
    private readonly options: Required<Omit<AuditLogOptions, 'privateKeyPem'>>,
    tree: MerkleFrontier,
    lastCheckpoint: { size: number; hash: string },
  ) {
    this.tree = tree;
    this.nextSeq = tree.size;
    this.lastCheckpointSize = lastCheckpoint.size;
    this.prevCheckpointHash = lastCheckpoint.hash;
    this.lastCheckpointAt = Date.now();
  }

  /**
   * Opens (or creates) a log folder, recovering from a crash: a torn last line is cut off (it was
   * never acknowledged) and the Merkle tree is rebuilt from the records.
   */
  static async open(dir: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    mkdirSync(dir, { recursive: true });
    const key = loadOrCreateKey(dir, options.privateKeyPem);
    const publicKey = createPublicKey(key);
    const recordsPath = join(dir, LOG_FILES.records);
    const checkpointsPath = join(dir, LOG_FILES.checkpoints);
    const records = readLines(recordsPath);
    const tree = new MerkleFrontier();
    records.lines.forEach((line, i) => {
      let seq: unknown;
      try {
        seq = (JSON.parse(line) as { seq?: unknown }).seq;
      } catch (cause) {
        throw new AisfError(
          'E_DATA_INVALID',
          `${recordsPath}: line ${i + 1} is not JSON; run \`aisf audit verify ${dir}\``,
          { cause },
        );
      }
      if (seq !== i) {
        throw new AisfError(
          'E_DATA_INVALID',
          `${recordsPath}: line ${i + 1} has seq ${String(seq)}, expected ${i}; run \`aisf audit verify ${dir}\``,
        );
      }
      tree.push(leafHash(Buffer.from(line)));
    });
    if (records.torn) truncateTo(recordsPath, records.validBytes);
    const cps = readLines(checkpointsPath);
    if (cps.torn) truncateTo(checkpointsPath, cps.validBytes);
    const lastLine = cps.lines[cps.lines.length - 1];
    const last = lastLine
      ? {
          size: (JSON.parse(lastLine) as Checkpoint).size,
          hash: createHash('sha256').update(lastLine).digest('hex'),
        }
      : { size: 0, hash: '' };
    const log = new AuditLog(
      dir,
      await open(recordsPath, 'a'),
      await open(checkpointsPath, 'a'),
      key,
      keyIdOf(publicKey),
      {
        origin: options.origin ?? 'aisf-guard',
        checkpointEvery: options.checkpointEvery ?? 1000,
        checkpointIntervalMs: options.checkpointIntervalMs ?? 1000,
        flushIntervalMs: options.flushIntervalMs ?? 5,
        now: options.now ?? (() => new Date()),
      },
      tree,
      last,
    );
    // Seal what survived a crash so it is covered by a signature again.
    if (tree.size > last.size) await log.writeCheckpoint();
    return log;
  }

  /** False once a write or fsync failed: callers must stop answering unlogged (fail closed). */
  get healthy(): boolean {
    return this.failure === undefined && !this.closed;
  }

  /** Number of records (acknowledged or queued). */
  get size(): number {
    return this.nextSeq;
  }

  /**
   * Appends a record; resolves with its seq once it is on disk (fsync'd). Callers that do not wait
   * for durability use `appendNoWait`.
   */
  append(record: DecisionRecord): Promise<number> {
    if (this.closed) return Promise.reject(new AisfError('E_STORE', 'the audit log is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.enqueue(record, resolve, reject));
  }

  /**
   * Appends a record without a promise (the guard's hot path when responses do not wait for the
   * fsync): the record is durable within about `flushIntervalMs`, and a failed write turns
   * `healthy` false, so the caller fails closed from then on. Returns the seq, or undefined when
   * the log is closed or failed.
   */
  appendNoWait(record: DecisionRecord): number | undefined {
    if (this.closed || this.failure) return undefined;
    return this.enqueue(record, undefined, undefined);
  }

  private enqueue(
    record: DecisionRecord,
    resolve: Pending['resolve'] | undefined,
    reject: Pending['reject'] | undefined,
  ): number {
    const seq = this.nextSeq++;
    const line = canonicalRecord(record as unknown as Record<string, unknown>, {
      seq,
      ts: this.options.now().toISOString(),
    });
    this.queue.push({ line, resolve, reject, seq });
    if (!this.timer) this.schedule();
    return seq;
  }

  private schedule(): void {
    const ms = this.options.flushIntervalMs;
    this.timer =
      ms > 0 ? setTimeout(() => void this.flush(), ms) : setImmediate(() => void this.flush());
  }

  /** Writes and fsyncs everything queued; resolves when all of it is acknowledged. */
  flush(): Promise<void> {
    if (this.timer) {
      if (this.options.flushIntervalMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    // One flush at a time, in order: records must reach the file in seq order.
    this.chain = this.chain.then(() => this.flushOnce());
    return this.chain;
  }

  private async flushOnce(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      // Each line is encoded once: the same bytes go to the file and into the leaf hash.
      const lines = batch.map((p) => Buffer.from(`${p.line}\n`));
      await this.records.write(lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines));
      await this.records.datasync();
      for (const line of lines) this.tree.push(leafHash(line.subarray(0, line.length - 1)));
      // Acknowledge as soon as the records are on disk. A checkpoint is not needed for that
      // (after a crash `open` seals every record that survived), so neither these acks nor the
      // next batch's wait for the signature and the checkpoint's own fsync: it goes to the other
      // file, on its own chain. With `waitForDurable` every 1000th batch (or the one after it)
      // would otherwise answer a whole checkpoint later.
      for (const p of batch) p.resolve?.(p.seq);
      const due =
        this.tree.size - this.lastCheckpointSize >= this.options.checkpointEvery ||
        Date.now() - this.lastCheckpointAt >= this.options.checkpointIntervalMs;
      if (due && !this.checkpointPending) {
        this.checkpointPending = true;
        this.checkpointChain = this.writeCheckpoint()
          .catch((error: unknown) => {
            this.failure ??= new AisfError('E_STORE', 'the audit log could not be written', {
              cause: error,
            });
          })
          .finally(() => {
            this.checkpointPending = false;
          });
      }
    } catch (error) {
      this.failure = new AisfError('E_STORE', 'the audit log could not be written', {
        cause: error,
      });
      // Records already acknowledged stay acknowledged (they are on disk); the rest fail.
      for (const p of batch) p.reject?.(this.failure);
    }
    if (this.queue.length > 0 && !this.timer && !this.closed) this.schedule();
  }

  private async writeCheckpoint(): Promise<void> {
    const size = this.tree.size;
    const unsigned = {
      origin: this.options.origin,
      size,
      root: this.tree.root().toString('base64'),
      ts: this.options.now().toISOString(),
      prev: this.prevCheckpointHash,
      keyId: this.keyId,
    };
    const sig = sign(null, checkpointBody(unsigned), this.key).toString('base64');
    const line = canonicalJson({ ...unsigned, sig });
    await this.checkpoints.write(`${line}\n`);
    await this.checkpoints.datasync();
    this.prevCheckpointHash = createHash('sha256').update(line).digest('hex');
    this.lastCheckpointSize = size;
    this.lastCheckpointAt = Date.now();
  }

  /** Flushes, signs a final checkpoint and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.checkpointChain;
    if (this.tree.size > this.lastCheckpointSize && !this.failure) await this.writeCheckpoint();
    await this.records.close();
    await this.checkpoints.close();
  }
}

function truncateTo(path: string, bytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
