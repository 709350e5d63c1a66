import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCli } from '../main.js';
import { parseAttacks, parseFailAbove } from './privacy.js';

const FIX = fileURLToPath(new URL('../../data/privacy/membership/fixtures/', import.meta.url));

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    isTTY: false,
    cwd: FIX,
  });
  return { code, stdout, stderr };
}

const base = ['test', 'privacy', '--model', 'mlp-overfit.onnx', '--train', 'train.npz'];

describe('aisf test privacy', () => {
  it('prints the JSON report and exits 1 when --fail-above is reached', async () => {
    const r = await cli([
      ...base,
      '--holdout',
      'holdout.npz',
      '--attack',
      'loss,modified-entropy',
      '--limit',
      '300',
      '--seed',
      '3',
      '--fail-above',
      'auc=0.6',
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.model).toBe('mlp-overfit.onnx');
    expect(json.members).toBe(300);
    expect(json.nonMembers).toBe(300);
    expect(json.attacks.map((a: { name: string }) => a.name)).toEqual(['loss', 'modified-entropy']);
    expect(Object.keys(json.attacks[0].tprAtFpr)).toEqual(['0.01', '0.001']);
    expect(json.attacks[0].tprAtFpr['0.001']).toBeNull();
    expect(json.failed[0]).toMatch(/^loss: auc = 0\.\d{4} ≥ 0.6$/);
    const ok = await cli([
      ...base,
      '--holdout',
      'holdout.npz',
      '--attack',
      'loss',
      '--fail-above',
      'auc=0.9',
    ]);
    expect(ok.code).toBe(0);
    // Without a terminal the default format is JSON.
    expect(JSON.parse(ok.stdout).attacks[0].name).toBe('loss');
  });

  it('prints a table with the unresolved FPR explained', async () => {
    const r = await cli([
      ...base,
      '--holdout',
      'holdout.npz',
      '--shadow-data',
      'shadow.npz',
      '--attack',
      'loss,shadow',
      '--shadow-models',
      '2',
      '--shadow-epochs',
      '2',
      '--limit',
      '100',
      '--format',
      'table',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/100 members, 100 non-members; output logits \(values\)/);
    expect(r.stdout).toMatch(/TPR@FPR 0.01/);
    expect(r.stdout).toMatch(/FPR 0.001 is below 1\/100 non-members/);
    expect(r.stdout).toMatch(/shadow attack: 2 shadow models × 2 epochs on 800 attacker samples/);
  });

  it('exits 2 with the field named for bad input', async () => {
    const cases: [string[], RegExp][] = [
      [[...base], /missing --holdout/],
      [[...base, '--holdout', 'nope.npz'], /--holdout: nope.npz does not exist/],
      [
        [...base, '--holdout', 'holdout.npz', '--x', 'images'],
        /--train: train.npz has no array "images"/,
      ],
      [
        [...base, '--holdout', 'holdout.npz', '--attack', 'lira'],
        /--attack: unknown attack "lira"/,
      ],
      [[...base, '--holdout', 'holdout.npz', '--limit', '0'], /--limit must be a positive integer/],
      [
        [...base, '--holdout', 'holdout.npz', '--fail-above', 'recall=1'],
        /unknown metric "recall"/,
      ],
      [
        [...base, '--holdout', 'holdout.npz', '--attack', 'loss', '--shadow-data', 'shadow.npz'],
        /--shadow-data is used by the shadow attack only/,
      ],
      [
        [
          'test',
          'privacy',
          '--model',
          'mlp-overfit.onnx',
          '--train',
          'train.npz',
          '--holdout',
          'mlp-init.onnx',
        ],
        /--holdout: mlp-init.onnx is not a valid .npz archive/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
  });

  it('parses --attack and --fail-above', () => {
    expect(parseAttacks('all')).toEqual(['loss', 'gap', 'entropy', 'modified-entropy', 'shadow']);
    expect(parseAttacks('loss, shadow,loss')).toEqual(['loss', 'shadow']);
    expect(parseFailAbove('auc=0.6,advantage=0.2,tpr@0.01=0.05')).toEqual([
      { metric: 'auc', limit: 0.6 },
      { metric: 'advantage', limit: 0.2 },
      { metric: 'tpr@0.01', limit: 0.05 },
    ]);
    for (const bad of ['auc', 'auc=', '=1', 'auc=x', 'tpr@=1', 'tpr@2=1'])
      expect(() => parseFailAbove(bad), bad).toThrow(/--fail-above/);
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          for (const l of parseFailAbove(s)) expect(Number.isFinite(l.limit)).toBe(true);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('E_USAGE');
        }
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});
