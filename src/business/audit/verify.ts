/**
 * @module Offline verification of a decision log: every record canonical and in sequence, every
 * checkpoint signed by the expected Ed25519 key and chained to the previous one, each checkpoint
 * root equal to the Merkle root of its prefix, consistency proofs between consecutive checkpoints
 * and an inclusion proof for every sealed record (RFC 9162 §2.1.3–2.1.4).
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AisfError } from '../../errors.js';
import { canonicalJson } from './canonical.js';
import {
  type Checkpoint,
  checkpointBody,
  keyIdOf,
  LOG_FILES,
  readLines,
  type StoredRecord,
} from './log.js';
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from './merkle.js';

/** One problem found by `verifyLog`. */
export interface VerifyProblem {
  where: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  checkpoints: number;
  /** Records after the last checkpoint (not yet covered by a signature). */
  unsealed: number;
  inclusionProofsChecked: number;
  consistencyProofsChecked: number;
  /** A torn last line (a crash mid-write; never acknowledged) was ignored. */
  tornTail: boolean;
  keyId: string | undefined;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /**
   * The public key to trust (PEM). Default: `signing-key.pub.pem` inside the folder — convenient,
   * but whoever can rewrite the folder can replace it; pass a copy kept elsewhere.
   */
  publicKeyPem?: string;
}

/**
 * Verifies a log folder. Never throws on tampering: problems are returned in the report. Throws
 * AisfError only when the folder is not a log at all.
 *
 * @example
 * const report = verifyLog('./audit');
 * if (!report.ok) console.error(report.problems);
 */
export function verifyLog(dir: string, options: VerifyOptions = {}): VerifyReport {
  const recordsPath = join(dir, LOG_FILES.records);
  if (!existsSync(recordsPath)) {
    throw new AisfError(
      'E_FILE_NOT_FOUND',
      `${dir} is not a decision log (no ${LOG_FILES.records}); pass the folder given as audit.dir`,
    );
  }
  const problems: VerifyProblem[] = [];
  let publicKey: KeyObject | undefined;
  const pubPath = join(dir, LOG_FILES.publicKey);
  const pem =
    options.publicKeyPem ?? (existsSync(pubPath) ? readFileSync(pubPath, 'utf8') : undefined);
  if (pem) {
    try {
      publicKey = createPublicKey(pem);
    } catch (cause) {
      throw new AisfError('E_INPUT', 'the public key is not a valid PEM Ed25519 key', { cause });
    }
  } else {
    problems.push({ where: 'key', message: 'no public key: checkpoint signatures not checked' });
  }
  const keyId = publicKey ? keyIdOf(publicKey) : undefined;

  const records = readLines(recordsPath);
  const tree = new MerkleTree();
  const leaves: Buffer[] = [];
  records.lines.forEach((line, i) => {
    const where = `record ${i} (line ${i + 1})`;
    let parsed: StoredRecord | undefined;
    try {
      parsed = JSON.parse(line) as StoredRecord;
    } catch {
      problems.push({ where, message: 'not valid JSON' });
    }
    if (parsed) {
      if (canonicalJson(parsed) !== line) problems.push({ where, message: 'not canonical JSON' });
      if (parsed.seq !== i) problems.push({ where, message: `seq ${String(parsed.seq)} ≠ ${i}` });
    }
    const leaf = leafHash(Buffer.from(line));
    leaves.push(leaf);
    tree.push(leaf);
  });

  const cpLines = readLines(join(dir, LOG_FILES.checkpoints));
  const checkpoints: Checkpoint[] = [];
  let prevHash = '';
  let prevSize = 0;
  cpLines.lines.forEach((line, i) => {
    const where = `checkpoint ${i} (line ${i + 1})`;
    let cp: Checkpoint;
    try {
      cp = JSON.parse(line) as Checkpoint;
    } catch {
      problems.push({ where, message: 'not valid JSON' });
      return;
    }
    if (canonicalJson(cp) !== line) problems.push({ where, message: 'not canonical JSON' });
    if (cp.prev !== prevHash) {
      problems.push({
        where,
        message: 'prev hash breaks the chain (a checkpoint was removed or edited)',
      });
    }
    prevHash = createHash('sha256').update(line).digest('hex');
    if (publicKey) {
      let good = false;
      try {
        good = verify(null, checkpointBody(cp), publicKey, Buffer.from(String(cp.sig), 'base64'));
      } catch {
        good = false;
      }
      if (!good) problems.push({ where, message: 'bad signature' });
    }
    if (!Number.isInteger(cp.size) || cp.size < prevSize) {
      problems.push({ where, message: `size ${String(cp.size)} is smaller than the previous` });
      return;
    }
    if (cp.size > tree.size) {
      problems.push({
        where,
        message: `covers ${cp.size} records but the file has ${tree.size} (records were deleted)`,
      });
      return;
    }
    if (cp.size > 0 && !tree.root(cp.size).equals(Buffer.from(String(cp.root), 'base64'))) {
      problems.push({ where, message: 'root does not match the records (a record was altered)' });
    }
    prevSize = cp.size;
    checkpoints.push(cp);
  });

  // Consistency between consecutive signed heads (what an auditor holding only heads checks).
  let consistencyProofsChecked = 0;
  for (let i = 1; i < checkpoints.length; i++) {
    const a = checkpoints[i - 1] as Checkpoint;
    const b = checkpoints[i] as Checkpoint;
    if (a.size === 0 || a.size === b.size) continue;
    const proof = tree.consistencyProof(a.size, b.size);
    const ok = verifyConsistency(
      a.size,
      b.size,
      Buffer.from(a.root, 'base64'),
      Buffer.from(b.root, 'base64'),
      proof,
    );
    consistencyProofsChecked++;
    if (!ok) problems.push({ where: `checkpoints ${i - 1}→${i}`, message: 'not consistent' });
  }

  // Inclusion of every sealed record in the newest signed head.
  let inclusionProofsChecked = 0;
  const head = checkpoints[checkpoints.length - 1];
  if (head && head.size > 0) {
    const root = Buffer.from(head.root, 'base64');
    for (let i = 0; i < head.size; i++) {
      const ok = verifyInclusion(
        i,
        head.size,
        leaves[i] as Buffer,
        tree.inclusionProof(i, head.size),
        root,
      );
      inclusionProofsChecked++;
      if (!ok) {
        problems.push({ where: `record ${i}`, message: 'inclusion proof fails' });
        if (problems.length > 100) break;
      }
    }
  }
  const sealed = head?.size ?? 0;
  return {
    ok: problems.length === 0,
    records: tree.size,
    checkpoints: checkpoints.length,
    unsealed: tree.size - sealed,
    inclusionProofsChecked,
    consistencyProofsChecked,
    tornTail: records.torn,
    keyId,
    problems,
  };
}

/** Reads records [from, from+limit) for `aisf audit show`. */
export function readRecords(dir: string, from = 0, limit = 50): StoredRecord[] {
  const path = join(dir, LOG_FILES.records);
  if (!existsSync(path)) {
    throw new AisfError(
      'E_FILE_NOT_FOUND',
      `${dir} is not a decision log (no ${LOG_FILES.records})`,
    );
  }
  const { lines } = readLines(path);
  return lines.slice(from, from + limit).map((line, i) => {
    try {
      return JSON.parse(line) as StoredRecord;
    } catch (cause) {
      throw new AisfError('E_DATA_INVALID', `${path}: line ${from + i + 1} is not JSON`, { cause });
    }
  });
}
