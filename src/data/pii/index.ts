/** @module Chinese PII detection and redaction (数据安全: the output data guardrail's detector). */
export {
  idCheckChar,
  isValidCnId,
  isValidUscc,
  luhnCheckDigit,
  luhnValid,
  usccCheckChar,
} from './checks.js';
export {
  type BuiltinPiiType,
  type CustomPattern,
  createPiiDetector,
  type KeywordList,
  maskValue,
  PII_TYPES,
  type PiiDetector,
  type PiiDetectorOptions,
  type PiiFinding,
} from './detect.js';
export { compileSafeRegex, MAX_PATTERN_LENGTH, unsafeRegexReason } from './safe-regex.js';
