/**
 * @module `aisf assess checklist` in the terminal: asks each process check in turn, attaches
 * evidence files with their SHA-256, and saves after every answer so quitting loses nothing.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Answer, type AnswersFile, type EvidenceFile, sha256File } from './answers.js';
import type { ProcessCheck } from './checklist.js';
import type { LineAsker } from './line-reader.js';

/** Options of the checklist prompt. */
export interface PromptAnswersOptions {
  /** Folder evidence paths are relative to (the answers file's folder). */
  baseDir: string;
  lang: 'zh' | 'en';
  /** Ask answered checks again too. @default false */
  all?: boolean;
  /** Default for "answered by" (e.g. $USER). */
  by?: string;
  now: Date;
  say: (text: string) => void;
  /** Called after every answer with the whole file (write it to disk). */
  save: (file: AnswersFile) => void;
}

const ANSWER_KEYS: Record<string, Answer['answer']> = {
  y: 'yes',
  yes: 'yes',
  n: 'no',
  no: 'no',
  p: 'partial',
  partial: 'partial',
  na: 'not-applicable',
  'n/a': 'not-applicable',
  'not-applicable': 'not-applicable',
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Asks the checks (unanswered ones unless `all`), returning the updated answers.
 *
 * @example
 * const rl = createLineAsker(process.stdin, process.stderr);
 * await promptAnswers(rl, checks, file, { baseDir, lang: 'en', now: new Date(), say, save });
 */
export async function promptAnswers(
  rl: LineAsker,
  checks: readonly ProcessCheck[],
  file: AnswersFile,
  options: PromptAnswersOptions,
): Promise<{ file: AnswersFile; answered: number; quit: boolean }> {
  const answers = new Map(file.answers.map((a) => [a.check, a]));
  const todo = checks.filter((c) => options.all || !answers.has(c.id));
  const today = options.now.toISOString().slice(0, 10);
  let answered = 0;
  const current = (): AnswersFile => ({ version: 1, answers: [...answers.values()] });
  for (const [i, check] of todo.entries()) {
    const previous = answers.get(check.id);
    options.say(
      `\n[${i + 1}/${todo.length}] ${check.title[options.lang]}  (${check.id}, ${check.source})\n  ${check.question[options.lang]}\n${previous ? `  current answer: ${previous.answer}\n` : ''}`,
    );
    let value: Answer['answer'] | undefined;
    for (;;) {
      const raw = (await rl.question('  answer y / n / p(artial) / na, enter = skip, q = quit: '))
        .trim()
        .toLowerCase();
      if (raw === 'q' || rl.closed) return { file: current(), answered, quit: true };
      if (raw === '') break;
      value = ANSWER_KEYS[raw];
      if (value) break;
      options.say(`  "${raw}" is not an answer\n`);
    }
    if (!value) continue;
    const answer: Answer = { check: check.id, answer: value, evidence: [] };
    if (value === 'not-applicable') {
      let reason = '';
      while (!reason && !rl.closed)
        reason = (await rl.question('  why does it not apply? ')).trim();
      if (!reason) return { file: current(), answered, quit: true };
      answer.reason = reason;
    }
    const by =
      (await rl.question(`  answered by${options.by ? ` [${options.by}]` : ''}: `)).trim() ||
      options.by;
    if (by) answer.by = by;
    answer.at = today;
    if (value === 'yes' || value === 'partial') {
      for (;;) {
        const path = (
          await rl.question('  evidence file (relative to the answers file; enter when done): ')
        ).trim();
        if (!path || rl.closed) break;
        const abs = resolve(options.baseDir, path);
        if (!existsSync(abs) || !statSync(abs).isFile()) {
          options.say(`  ${path}: no such file\n`);
          continue;
        }
        const ev: EvidenceFile = { file: path, sha256: await sha256File(abs), at: today };
        if (by) ev.by = by;
        let expires = '';
        for (;;) {
          expires = (await rl.question('  valid until (YYYY-MM-DD, enter for no expiry): ')).trim();
          if (
            expires === '' ||
            rl.closed ||
            (DATE.test(expires) && !Number.isNaN(Date.parse(expires)))
          )
            break;
          options.say('  use a date like 2027-06-30\n');
        }
        if (expires) ev.expires = expires;
        answer.evidence.push(ev);
        options.say(`  recorded ${path} sha256 ${ev.sha256?.slice(0, 16)}…\n`);
      }
    }
    const note = (await rl.question('  note (enter for none): ')).trim();
    if (note) answer.note = note;
    answers.set(check.id, answer);
    answered++;
    options.save(current());
  }
  return { file: current(), answered, quit: false };
}
