import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AisfError } from '../errors.js';
import { defineTest, type TestPlugin } from '../evidence/test-plugin.js';
import {
  canonicalJson,
  evaluateCriterion,
  planSha256,
  runPlan,
  type TestRegistry,
  validatePlan,
  verdictOf,
} from './plan.js';
import type { PlannedTest } from './project.js';

/** A tiny fake plugin (tests only): reports `value` as metric `score`, or fails as asked. */
const fake = defineTest({
  id: 'test.fake.metric',
  title: { zh: '假测试', en: 'Fake test' },
  riskIds: ['risk.model.bias'],
  measureIds: ['measure.tech.4-2-4-a'],
  techniqueIds: [],
  capabilityIds: ['capability.architecture.algorithm-security'],
  metrics: {
    score: { description: 'a score', better: 'higher' },
    missing: { description: 'never computed', better: 'lower' },
  },
  configSchema: z.strictObject({
    value: z.number(),
    mode: z.enum(['ok', 'throw', 'error', 'skip']).default('ok'),
  }),
  async run(config, ctx) {
    ctx.progress?.(0.5, 'halfway');
    if (config.mode === 'throw') throw new Error('boom');
    if (config.mode === 'error')
      return {
        status: 'error',
        reason: 'model unreadable',
        metrics: {},
        findings: [],
        details: null,
      };
    if (config.mode === 'skip')
      return { status: 'skipped', reason: 'no GPU', metrics: {}, findings: [], details: null };
    return {
      status: 'completed',
      metrics: { score: config.value, missing: null },
      findings: [{ id: 'fake.finding', severity: 'high', message: 'm' }],
      details: {
        curve: [
          { eps: 0, acc: 0.9 },
          { eps: 0.1, acc: 0.5 },
        ],
      },
      modelSha256: 'f'.repeat(64),
    };
  },
});
const REGISTRY = [fake as unknown as TestPlugin<never>] as TestRegistry;

const planned = (
  id: string,
  config: Record<string, unknown>,
  criteria: PlannedTest['criteria'],
): PlannedTest => ({ id, config, criteria });
const OPTIONS = {
  toolVersion: '0.1.0',
  catalogVersion: '1.0.0',
  cwd: '.',
  modelSha256: 'a'.repeat(64),
  dataSha256: null,
  now: () => new Date('2026-01-01T00:00:00Z'),
};

describe('criteria', () => {
  it('evaluates each operator exactly, and a missing or null metric as not evaluable', () => {
    const m = { x: 0.1 };
    expect(evaluateCriterion({ metric: 'x', op: '<=', value: 0.1 }, m).holds).toBe(true);
    expect(evaluateCriterion({ metric: 'x', op: '<', value: 0.1 }, m).holds).toBe(false);
    expect(evaluateCriterion({ metric: 'x', op: '>=', value: 0.1 }, m).holds).toBe(true);
    expect(evaluateCriterion({ metric: 'x', op: '>', value: 0.1 }, m).holds).toBe(false);
    expect(evaluateCriterion({ metric: 'x', op: '==', value: 0.1 }, m).holds).toBe(true);
    expect(evaluateCriterion({ metric: 'x', op: '==', value: 0.1 + 1e-12 }, m).holds).toBe(false);
    expect(evaluateCriterion({ metric: 'y', op: '<=', value: 1 }, m)).toMatchObject({
      actual: null,
      holds: null,
    });
    expect(evaluateCriterion({ metric: 'x', op: '<=', value: 1 }, { x: null })).toMatchObject({
      actual: null,
      holds: null,
    });
    expect(
      evaluateCriterion({ metric: 'x', op: '<=', value: 1 }, { x: Number.NaN }).holds,
    ).toBeNull();
  });

  it('never passes a run that did not complete or a criterion that could not be evaluated', () => {
    const holds = [{ metric: 'x', op: '<=' as const, value: 1, actual: 0, holds: true }];
    expect(verdictOf('completed', holds).verdict).toBe('passed');
    expect(verdictOf('absent', holds).verdict).toBe('not-run');
    expect(verdictOf('skipped', holds).verdict).toBe('not-run');
    expect(verdictOf('error', holds).verdict).toBe('error');
    expect(verdictOf('completed', [...holds, { ...holds[0], holds: null } as never]).verdict).toBe(
      'error',
    );
    expect(verdictOf('completed', [{ ...holds[0], holds: false } as never]).verdict).toBe('failed');
  });

  it('hashes the plan canonically (key order does not matter, values do)', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const a = planned('test.x', { p: 1, q: 2 }, [{ metric: 'm', op: '<=', value: 1 }]);
    const b = planned('test.x', { q: 2, p: 1 }, [{ value: 1, op: '<=', metric: 'm' }]);
    expect(planSha256([a])).toBe(planSha256([b]));
    expect(planSha256([a])).not.toBe(
      planSha256([{ ...a, criteria: [{ metric: 'm', op: '<=', value: 1.1 }] }]),
    );
  });
});

describe('validatePlan (before anything runs)', () => {
  it('rejects a bad config and an unknown metric, naming the fields; allows absent tests', () => {
    const plan = [
      planned('test.fake.metric', { value: 'high' }, [{ metric: 'scor', op: '>=', value: 1 }]),
      planned('test.not.here', { anything: true }, [{ metric: 'whatever', op: '>=', value: 1 }]),
    ];
    let error: unknown;
    try {
      validatePlan(plan, REGISTRY, 'aisf.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AisfError);
    expect((error as AisfError).code).toBe('E_CONFIG');
    expect((error as AisfError).message).toMatch(/tests\[0\]\.config\.value: /);
    expect((error as AisfError).message).toMatch(
      /tests\[0\]\.criteria\[0\]\.metric: test\.fake\.metric does not report "scor"; it reports score, missing/,
    );
    expect((error as AisfError).message).not.toMatch(/tests\[1\]/);
    expect(() => validatePlan([plan[1] as PlannedTest], REGISTRY, 'aisf.yaml')).not.toThrow();
  });
});

describe('runPlan', () => {
  it('runs present tests with progress and turns each into evidence; absent, erroring and skipped ones never pass', async () => {
    const events: string[] = [];
    const evidence = await runPlan(
      [
        planned('test.fake.metric', { value: 0.8 }, [{ metric: 'score', op: '>=', value: 0.7 }]),
        planned('test.not.here', {}, [{ metric: 'm', op: '<=', value: 1 }]),
      ],
      REGISTRY,
      {
        ...OPTIONS,
        progress: (e) =>
          events.push(`${e.index}/${e.count} ${e.testId} ${e.fraction} ${e.label ?? ''}`),
      },
    );
    expect(events).toEqual([
      '0/2 test.fake.metric 0 starting',
      '0/2 test.fake.metric 0.5 halfway',
      '0/2 test.fake.metric 1 passed',
      '1/2 test.not.here 1 not run',
    ]);
    const [ran, absent] = evidence;
    expect(ran).toMatchObject({
      kind: 'test',
      testId: 'test.fake.metric',
      params: { value: 0.8 },
      modelSha256: 'f'.repeat(64), // the plugin's own hash wins over the project's
      dataSha256: null,
      toolVersion: 'aisf 0.1.0',
      startedAt: '2026-01-01T00:00:00.000Z',
      status: 'completed',
      verdict: 'passed',
      criteria: [{ metric: 'score', op: '>=', value: 0.7, actual: 0.8, holds: true }],
      links: {
        riskIds: ['risk.model.bias'],
        capabilityIds: ['capability.architecture.algorithm-security'],
      },
      metricInfo: { score: { description: 'a score', better: 'higher' } },
    });
    expect(ran?.result?.findings).toHaveLength(1);
    expect(ran?.planSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(absent).toMatchObject({
      status: 'absent',
      verdict: 'not-run',
      result: null,
      modelSha256: 'a'.repeat(64),
    });
    expect(absent?.reason).toMatch(
      /no test "test\.not\.here" in this aisf's registry \(available: test\.fake\.metric\)/,
    );
    expect(absent?.links.capabilityIds).toEqual([]);
  });

  it('reports a throwing test as error with the reason, and a skipped one as not run', async () => {
    const [threw, errored, skipped, nullMetric, failed] = await runPlan(
      [
        planned('test.fake.metric', { value: 1, mode: 'throw' }, [
          { metric: 'score', op: '>=', value: 0 },
        ]),
        planned('test.fake.metric', { value: 1, mode: 'error' }, [
          { metric: 'score', op: '>=', value: 0 },
        ]),
        planned('test.fake.metric', { value: 1, mode: 'skip' }, [
          { metric: 'score', op: '>=', value: 0 },
        ]),
        planned('test.fake.metric', { value: 1 }, [{ metric: 'missing', op: '<=', value: 0 }]),
        planned('test.fake.metric', { value: 0.2 }, [{ metric: 'score', op: '>=', value: 0.7 }]),
      ],
      REGISTRY,
      OPTIONS,
    );
    expect(threw).toMatchObject({
      status: 'error',
      verdict: 'error',
      reason: 'the test threw: boom',
    });
    expect(errored).toMatchObject({
      status: 'error',
      verdict: 'error',
      reason: 'model unreadable',
    });
    expect(skipped).toMatchObject({ status: 'skipped', verdict: 'not-run', reason: 'no GPU' });
    expect(nullMetric).toMatchObject({ status: 'completed', verdict: 'error' });
    expect(nullMetric?.reason).toMatch(/metric missing not computed/);
    expect(failed).toMatchObject({ verdict: 'failed', criteria: [{ actual: 0.2, holds: false }] });
  });

  it('works with an empty registry: every planned test is not run', async () => {
    const evidence = await runPlan(
      [planned('test.fake.metric', {}, [{ metric: 'score', op: '>=', value: 0 }])],
      [],
      OPTIONS,
    );
    expect(evidence[0]).toMatchObject({ verdict: 'not-run', status: 'absent' });
    expect(evidence[0]?.reason).toMatch(/no technical tests are registered yet/);
  });
});
