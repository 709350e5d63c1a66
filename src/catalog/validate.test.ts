import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type CatalogCopy, copyCatalog } from '../../test/helpers/catalog-copy.js';
import { AisfError } from '../errors.js';
import { checkCatalog, openCatalog } from './validate.js';

let copy: CatalogCopy | undefined;
afterEach(() => {
  copy?.remove();
  copy = undefined;
});

function broken(mutate: (c: CatalogCopy) => void) {
  copy = copyCatalog();
  mutate(copy);
  return checkCatalog(copy.dir);
}

const lineOf = (text: string, needle: string) =>
  text.slice(0, text.indexOf(needle)).split('\n').length;

describe('checkCatalog on broken catalogues', () => {
  it('a copy of the built-in catalogue is valid (the baseline the mutations break)', () => {
    copy = copyCatalog();
    expect(checkCatalog(copy.dir).problems).toEqual([]);
  });

  it('names the item and the bad link when a reference does not resolve', () => {
    const result = broken((c) =>
      c.replace('risks.yaml', 'to: measure.tech.4-1-1-b', 'to: measure.tech.4-1-1-z'),
    );
    expect(result.ok).toBe(false);
    const problem = result.problems.find((p) => p.message.includes('measure.tech.4-1-1-z'));
    expect(problem?.message).toMatch(
      /^item risk\.model\.\S+: link mitigated-by → measure\.tech\.4-1-1-z does not resolve/,
    );
    expect(problem?.location?.file).toMatch(/risks\.yaml$/);
    expect(problem?.location?.line).toBeGreaterThan(1);
  });

  it('reports invalid YAML with file and line', () => {
    let line = 0;
    const result = broken((c) => {
      const text = c.read('goals.yaml');
      line = lineOf(text, '  - id: goal.decision-fairness');
      c.write(
        'goals.yaml',
        text.replace(
          '  - id: goal.decision-fairness',
          '  - id: goal.decision-fairness\n    title: [unclosed',
        ),
      );
    });
    const problem = result.problems.find((p) => p.code === 'E_CATALOG_YAML');
    expect(problem).toBeDefined();
    expect(problem?.location?.file).toMatch(/goals\.yaml$/);
    // The parser reports where the flow sequence breaks: on or just after the inserted line.
    expect(problem?.location?.line).toBeGreaterThanOrEqual(line + 1);
    expect(problem?.location?.line).toBeLessThanOrEqual(line + 3);
  });

  it('reports a schema error with the field, item and line', () => {
    let line = 0;
    const result = broken((c) => {
      const text = c.read('goals.yaml');
      line = lineOf(text, '  - id: goal.data-trust');
      const start = text.indexOf('  - id: goal.data-trust');
      const enAt = text.indexOf('en:', text.indexOf('title:', start));
      c.write('goals.yaml', `${text.slice(0, enAt)}xx:${text.slice(enAt + 3)}`);
    });
    const problem = result.problems.find((p) => p.code === 'E_CATALOG_SCHEMA');
    expect(problem?.message).toMatch(/^item goal\.data-trust: field "title/);
    expect(problem?.itemId).toBe('goal.data-trust');
    expect(problem?.location?.line).toBeGreaterThanOrEqual(line);
  });

  it('rejects duplicate ids, naming where the first one is', () => {
    const result = broken((c) =>
      c.replace('goals.yaml', 'id: goal.decision-fairness', 'id: goal.data-trust'),
    );
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(
      /duplicate id goal\.data-trust \(first defined at .*goals\.yaml:\d+\)/,
    );
  });

  it('rejects a link whose relation does not fit the kinds', () => {
    const result = broken((c) =>
      c.replace(
        'risks.yaml',
        'rel: mitigated-by, to: measure.tech.4-1-1-b',
        'rel: mitigated-by, to: goal.data-trust',
      ),
    );
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(
      /relation mitigated-by cannot link a risk to a goal \(goal\.data-trust\)/,
    );
  });

  it('notices a missing seed item, a wrong count and an unlisted file', () => {
    const result = broken((c) => {
      const text = c.read('guidelines.yaml');
      const start = text.indexOf('  - id: guideline.6-4-f');
      c.write('guidelines.yaml', text.slice(0, start));
      c.write('extra.yaml', 'part: extra\nitems: []\n');
    });
    const messages = result.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/expected 35 items of kind guideline, found 34/);
    expect(messages).toMatch(/missing guideline for TC260-AISGF-2024 clause 6\.4\(f\)/);
    expect(messages).toMatch(/extra\.yaml is not listed under "parts"/);
  });

  it('openCatalog throws an AisfError (exit 2) listing the problems', () => {
    copy = copyCatalog();
    copy.replace('risks.yaml', 'to: measure.gov.5-3', 'to: measure.gov.5-99');
    let error: unknown;
    try {
      openCatalog(copy.dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AisfError);
    expect((error as AisfError).exitCode).toBe(2);
    expect((error as AisfError).message).toMatch(/measure\.gov\.5-99 does not resolve/);
  });
});

describe('the loader on arbitrary input', () => {
  it('never throws on any part file text, and reports a problem for non-catalogue text', () => {
    // A one-part catalogue keeps each run cheap, so many inputs can be tried.
    const dir = mkdtempSync(join(tmpdir(), 'aisf-fuzz-'));
    try {
      writeFileSync(
        join(dir, 'catalog.yaml'),
        'name: fuzz\nversion: 1.0.0\ndocuments:\n  - { id: CAICT-AISF-2020, title: { zh: 甲, en: a }, publisher: { zh: 乙, en: b }, year: 2020 }\nparts: [goals]\n',
      );
      const yamlish = fc.oneof(
        fc.string({ maxLength: 300 }),
        fc
          .array(
            fc.constantFrom(
              'part: goals\n',
              'items:\n',
              '  - id: goal.x\n',
              '    kind: goal\n',
              '&a [*a]\n',
              '- ',
              ': ',
              '{',
              '[',
              '"',
              "'",
              '\t',
              '#',
              '!!binary ',
              '<<: *b\n',
              '---\n',
            ),
            { maxLength: 30 },
          )
          .map((parts) => parts.join('')),
      );
      fc.assert(
        fc.property(yamlish, (text) => {
          writeFileSync(join(dir, 'goals.yaml'), text);
          const result = checkCatalog(dir, { coverage: false });
          // No part file of this form holds a complete, linked goal: always a problem, never a throw.
          expect(result.ok).toBe(false);
          for (const problem of result.problems) {
            expect(problem.message.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 300, seed: 20261124 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
