/**
 * @module Process-check answers: yes / no / partial / not-applicable (with a reason), who and
 * when, and evidence files pinned by SHA-256 with an expiry. Read from YAML or CSV (and XLSX),
 * written back without losing a field, and verified against the files on disk: a missing,
 * changed or expired evidence file makes the check "evidence invalid", never "passed".
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { AisfError } from '../errors.js';
import type { ProcessCheck } from './checklist.js';
import { formatCsv, parseCsv } from './csv.js';
import { readXlsxRows, writeXlsx } from './xlsx.js';
import { parseYamlText, readTextFile, validateInput } from './yaml-input.js';

/** The four answers a process check takes (AI Verify has three; "partial" scores 0.5). */
export const ANSWERS = ['yes', 'no', 'partial', 'not-applicable'] as const;
export type AnswerValue = (typeof ANSWERS)[number];

const SHA256 = /^[0-9a-f]{64}$/;
const DATE = z.iso.date('must be a date like 2026-11-24').or(z.iso.datetime({ offset: true }));

/** An evidence file attached to an answer. */
export const EvidenceFileSchema = z.strictObject({
  /** Path relative to the answers file. */
  file: z.string().trim().min(1),
  /** SHA-256 recorded when attached; a different hash now means the file changed. */
  sha256: z
    .string()
    .regex(SHA256, 'must be 64 lowercase hex digits (`sha256sum <file>`)')
    .optional(),
  by: z.string().trim().min(1).optional(),
  at: DATE.optional(),
  /** After this date the evidence no longer counts (e.g. an annual audit). */
  expires: DATE.optional(),
  description: z.string().optional(),
});
export type EvidenceFile = z.infer<typeof EvidenceFileSchema>;

/** One answer: the check id, the answer, why (n/a), who, when, a note, evidence files. */
export const AnswerSchema = z
  .strictObject({
    check: z.string().trim().min(1),
    answer: z.enum(ANSWERS),
    /** Required for not-applicable: why the item does not apply to this system. */
    reason: z.string().trim().min(1).optional(),
    note: z.string().optional(),
    by: z.string().trim().min(1).optional(),
    at: DATE.optional(),
    evidence: z.array(EvidenceFileSchema).default([]),
  })
  .superRefine((answer, ctx) => {
    if (answer.answer === 'not-applicable' && !answer.reason) {
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: 'not-applicable needs a reason: say why the item does not apply to this system',
      });
    }
  });
export type Answer = z.infer<typeof AnswerSchema>;

/** An answers file: `{ version: 1, answers: [...] }`, one answer per check. */
export const AnswersFileSchema = z
  .strictObject({ version: z.literal(1), answers: z.array(AnswerSchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.answers.forEach((a, i) => {
      if (seen.has(a.check)) {
        ctx.addIssue({
          code: 'custom',
          path: ['answers', i, 'check'],
          message: `"${a.check}" is answered twice; keep one answer per check`,
        });
      }
      seen.add(a.check);
    });
  });
export type AnswersFile = z.infer<typeof AnswersFileSchema>;

const ANSWER_HINTS: Record<string, string> = {
  'answers[].answer': 'answer yes, no, partial or not-applicable',
  'answers[].evidence[].sha256': 'run `aisf assess checklist --pin` to record the hashes',
  version: 'start the file with `version: 1`',
};

/** The CSV/XLSX columns, in order. Every field of an answer has one; nothing is dropped. */
export const CSV_COLUMNS = [
  'check',
  'kind',
  'title',
  'question',
  'answer',
  'reason',
  'note',
  'by',
  'at',
  'evidence_file',
  'evidence_sha256',
  'evidence_by',
  'evidence_at',
  'evidence_expires',
  'evidence_description',
] as const;

// Spreadsheet formula injection (OWASP "CSV Injection"): a cell starting with = + - @ runs as a
// formula when opened. Such cells are written with a leading apostrophe, removed on import.
const FORMULA_START = /^[=+\-@\t\r]/;
const guard = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);
const unguard = (value: string) =>
  value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;

/** Rows for CSV/XLSX: one per evidence file (or one per check without evidence). */
export function answersToRows(
  checks: readonly ProcessCheck[],
  answers: readonly Answer[],
  lang: 'zh' | 'en' = 'en',
): string[][] {
  const byCheck = new Map(answers.map((a) => [a.check, a]));
  const known = new Set(checks.map((c) => c.id));
  const rows: string[][] = [[...CSV_COLUMNS]];
  const emit = (check: ProcessCheck | undefined, id: string, answer: Answer | undefined) => {
    const base = [
      id,
      check?.kind ?? '',
      check?.title[lang] ?? '',
      check?.question[lang] ?? '',
      answer?.answer ?? '',
      answer?.reason ?? '',
      answer?.note ?? '',
      answer?.by ?? '',
      answer?.at ?? '',
    ];
    const files = answer?.evidence ?? [];
    if (files.length === 0) rows.push([...base, '', '', '', '', '', ''].map(guard));
    for (const f of files) {
      rows.push(
        [
          ...base,
          f.file,
          f.sha256 ?? '',
          f.by ?? '',
          f.at ?? '',
          f.expires ?? '',
          f.description ?? '',
        ].map(guard),
      );
    }
  };
  for (const check of checks) emit(check, check.id, byCheck.get(check.id));
  // Answers to checks outside this checklist (another profile) are kept, not dropped.
  for (const answer of answers) if (!known.has(answer.check)) emit(undefined, answer.check, answer);
  return rows;
}

/** Reads rows (first row = header) back into answers; rows of one check merge their evidence. */
export function rowsToAnswers(rows: readonly (readonly string[])[], shown: string): AnswersFile {
  const [header, ...body] = rows;
  if (!header) throw new AisfError('E_INPUT', `${shown} is empty; export one with --export`);
  const col = new Map(header.map((name, i) => [name.trim(), i]));
  for (const required of ['check', 'answer'] as const) {
    if (!col.has(required)) {
      throw new AisfError(
        'E_INPUT',
        `${shown}: no "${required}" column; the header must hold ${CSV_COLUMNS.join(',')}`,
      );
    }
  }
  const get = (row: readonly string[], name: (typeof CSV_COLUMNS)[number]) => {
    const i = col.get(name);
    const value = i === undefined ? '' : unguard((row[i] ?? '').trim());
    return value === '' ? undefined : value;
  };
  const merged = new Map<string, Record<string, unknown>>();
  for (const row of body) {
    const check = get(row, 'check');
    if (!check) continue;
    let entry = merged.get(check);
    const answer = get(row, 'answer');
    if (!entry) {
      if (!answer) continue; // unanswered rows of an exported template
      entry = { check, answer, evidence: [] };
      for (const key of ['reason', 'note', 'by', 'at'] as const) {
        const value = get(row, key);
        if (value !== undefined) entry[key] = value;
      }
      merged.set(check, entry);
    }
    const file = get(row, 'evidence_file');
    if (file) {
      const ev: Record<string, string> = { file };
      const fields = [
        ['sha256', 'evidence_sha256'],
        ['by', 'evidence_by'],
        ['at', 'evidence_at'],
        ['expires', 'evidence_expires'],
        ['description', 'evidence_description'],
      ] as const;
      for (const [key, column] of fields) {
        const value = get(row, column);
        if (value !== undefined) ev[key] = value;
      }
      (entry.evidence as unknown[]).push(ev);
    }
  }
  const value = { version: 1, answers: [...merged.values()] };
  return validateInput(
    AnswersFileSchema,
    { value, locate: () => ({ file: shown }) },
    shown,
    'E_INPUT',
    (f) => ANSWER_HINTS[f],
  );
}

/** Parses an answers YAML text. */
export function parseAnswersYaml(text: string, shown: string): AnswersFile {
  const parsed = parseYamlText(text, shown, 'E_INPUT');
  return validateInput(AnswersFileSchema, parsed, shown, 'E_INPUT', (f) => ANSWER_HINTS[f]);
}

/** Loads answers from .yaml/.yml, .csv or .xlsx (by extension). */
export function loadAnswers(path: string, shown: string): AnswersFile {
  const ext = extname(path).toLowerCase();
  const fix = 'create it with `aisf assess checklist` or name another file in aisf.yaml `answers:`';
  if (ext === '.xlsx') {
    if (!existsSync(path))
      throw new AisfError('E_FILE_NOT_FOUND', `${shown}: no such file; ${fix}`);
    return rowsToAnswers(readXlsxRows(readFileSync(path), shown), shown);
  }
  const text = readTextFile(path, shown, fix);
  if (ext === '.csv') return rowsToAnswers(parseCsv(text, shown), shown);
  if (ext === '.yaml' || ext === '.yml') return parseAnswersYaml(text, shown);
  throw new AisfError(
    'E_INPUT',
    `${shown}: unknown answers format "${ext}"; use .yaml, .csv or .xlsx`,
  );
}

/** The answers as commented YAML (what `aisf assess checklist` writes). */
export function formatAnswersYaml(file: AnswersFile): string {
  const header =
    '# aisf process-check answers: answer yes | no | partial | not-applicable (with reason).\n' +
    '# Evidence paths are relative to this file; sha256 pins their content (aisf assess checklist --pin).\n';
  // Empty evidence lists are left out: the file stays as short as a hand-written one.
  const answers = file.answers.map(({ evidence, ...rest }) =>
    evidence.length ? { ...rest, evidence } : rest,
  );
  return header + stringify({ version: 1, answers }, { lineWidth: 100 });
}

/** Writes answers as CSV or XLSX for offline filling (by extension of `path`). */
export function exportAnswers(
  path: string,
  checks: readonly ProcessCheck[],
  answers: readonly Answer[],
  lang: 'zh' | 'en' = 'en',
): Uint8Array | string {
  const rows = answersToRows(checks, answers, lang);
  return extname(path).toLowerCase() === '.xlsx' ? writeXlsx(rows, 'checklist') : formatCsv(rows);
}

/** SHA-256 of a file, streamed (evidence can be large scans or recordings). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Why an evidence file does or does not count. */
export const EVIDENCE_STATES = ['valid', 'unpinned', 'missing', 'changed', 'expired'] as const;
export type EvidenceState = (typeof EVIDENCE_STATES)[number];

/** An evidence file as verified at assessment time. */
export interface VerifiedEvidence extends EvidenceFile {
  checkId: string;
  /** Hash of the file now (null when missing). */
  actualSha256: string | null;
  state: EvidenceState;
  reason?: string;
}

/**
 * Verifies every evidence file of every answer: present, unchanged against the pinned hash (or,
 * unpinned, against the hash recorded by the previous assessment), not expired on `asOf`.
 */
export async function verifyEvidence(
  answers: readonly Answer[],
  baseDir: string,
  asOf: Date,
  previousHashes: ReadonlyMap<string, string> = new Map(),
): Promise<VerifiedEvidence[]> {
  const out: VerifiedEvidence[] = [];
  for (const answer of answers) {
    for (const ev of answer.evidence) {
      const path = resolve(baseDir, ev.file);
      let actual: string | null = null;
      try {
        if (statSync(path).isFile()) actual = await sha256File(path);
      } catch {
        actual = null;
      }
      const base = { ...ev, checkId: answer.check, actualSha256: actual };
      const pinned = ev.sha256 ?? previousHashes.get(`${answer.check}\u0000${ev.file}`);
      if (actual === null) {
        out.push({ ...base, state: 'missing', reason: `evidence file ${ev.file} not found` });
      } else if (pinned && pinned !== actual) {
        out.push({
          ...base,
          state: 'changed',
          reason: `evidence file ${ev.file} changed since it was ${ev.sha256 ? 'pinned' : 'last assessed'} (sha256 ${pinned.slice(0, 12)}… → ${actual.slice(0, 12)}…)`,
        });
      } else if (ev.expires && Date.parse(ev.expires) < asOf.getTime()) {
        out.push({
          ...base,
          state: 'expired',
          reason: `evidence file ${ev.file} expired on ${ev.expires}`,
        });
      } else {
        out.push({ ...base, state: ev.sha256 ? 'valid' : 'unpinned' });
      }
    }
  }
  return out;
}

/** Fills in missing sha256 (and `at`) of evidence files that exist: what `--pin` does. */
export async function pinEvidence(
  file: AnswersFile,
  baseDir: string,
  now: Date,
): Promise<{ file: AnswersFile; pinned: number }> {
  let pinned = 0;
  const answers: Answer[] = [];
  for (const answer of file.answers) {
    const evidence: EvidenceFile[] = [];
    for (const ev of answer.evidence) {
      const path = resolve(baseDir, ev.file);
      if (!ev.sha256 && existsSync(path)) {
        evidence.push({
          ...ev,
          sha256: await sha256File(path),
          at: ev.at ?? now.toISOString().slice(0, 10),
        });
        pinned++;
      } else {
        evidence.push(ev);
      }
    }
    answers.push({ ...answer, evidence });
  }
  return { file: { version: 1, answers }, pinned };
}

/** The folder evidence paths are relative to. */
export const answersBaseDir = (answersPath: string) => dirname(answersPath);
