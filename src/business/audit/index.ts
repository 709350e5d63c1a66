/** @module The tamper-evident decision log (black box): writer, verifier, Merkle proofs. */
export { canonicalJson } from './canonical.js';
export {
  AuditLog,
  type AuditLogOptions,
  type Checkpoint,
  type DecisionRecord,
  LOG_FILES,
  type StoredRecord,
} from './log.js';
export {
  leafHash,
  MerkleFrontier,
  MerkleTree,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export { readRecords, type VerifyReport, verifyLog } from './verify.js';
