/**
 * @module PII benchmark: MB/s of the aisf detector on Chinese text vs ripgrep with equivalent
 * patterns (same file, same run). ripgrep gets the bare patterns (no check digits, no token
 * boundaries — strictly less work than aisf does); aisf is timed for reading + decoding + scanning.
 * Goal (issue 8): ≥ 1/3 of ripgrep's throughput.
 * Run: flock /tmp/aisf-bench.lock nice npx tsx bench/pii/run.ts [MB]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPiiDetector } from '../../src/data/pii/index.js';
import { chineseCorpus } from './corpus.js';

const MB = Number(process.argv[2] ?? 32);
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
/** The same shapes aisf confirms, written for Rust regex (ASCII digit classes). */
const RG_PATTERNS = [
  '[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]',
  '1(?:3[0-9]|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8[0-9]|9[0-35-9])[0-9]{8}',
  '[3-6][0-9]{15,18}',
  '[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}',
  '[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){1,6}',
  '(?:[0-9]{1,3}\\.){3}[0-9]{1,3}',
  '[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}',
  '[EGDSP][0-9]{7,8}',
  `[${PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}`,
];

const dir = mkdtempSync(join(tmpdir(), 'aisf-bench-pii-'));
try {
  const file = join(dir, 'corpus.txt');
  writeFileSync(file, chineseCorpus(Math.round((MB * 1e6) / 3)));
  const bytes = statSync(file).size;
  const detector = createPiiDetector();
  detector.scan(readFileSync(file, 'utf8').slice(0, 1_000_000)); // warm-up (JIT)
  const aisfTimes: number[] = [];
  let findings = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    findings = detector.scan(readFileSync(file, 'utf8')).length;
    aisfTimes.push(performance.now() - t0);
  }
  const rgTimes: number[] = [];
  let rgMatches = 0;
  const rgArgs = [
    '--count-matches',
    '--no-filename',
    ...RG_PATTERNS.flatMap((p) => ['-e', p]),
    file,
  ];
  spawnSync('rg', rgArgs); // warm the page cache and the binary
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync('rg', rgArgs, { encoding: 'utf8' });
    rgTimes.push(performance.now() - t0);
    if (r.error) throw new Error('ripgrep (rg) is not installed: apt-get install ripgrep');
    rgMatches = Number(r.stdout.trim() || 0);
  }
  const best = (xs: number[]) => Math.min(...xs);
  const aisfMBs = bytes / 1e6 / (best(aisfTimes) / 1000);
  const rgMBs = bytes / 1e6 / (best(rgTimes) / 1000);
  const rgVersion = spawnSync('rg', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  console.log(`corpus: ${(bytes / 1e6).toFixed(1)} MB UTF-8 Chinese text (seeded), best of 3`);
  console.log('| tool | MB/s | matches |');
  console.log('| --- | ---: | ---: |');
  console.log(`| aisf pii (check digits, boundaries) | ${aisfMBs.toFixed(1)} | ${findings} |`);
  console.log(`| ${rgVersion} (bare patterns) | ${rgMBs.toFixed(1)} | ${rgMatches} |`);
  console.log(`\nratio aisf/ripgrep: ${(aisfMBs / rgMBs).toFixed(2)} (goal ≥ 0.33)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
