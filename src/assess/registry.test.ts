import { describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/index.js';
import { assertUniqueIds, TESTS } from './registry.js';

describe('the test registry', () => {
  it('rejects duplicate ids', () => {
    expect(() => assertUniqueIds([{ id: 'a' }, { id: 'a' }], 'test')).toThrow(
      /duplicate test id "a"/,
    );
  });

  it('links every test to catalogue items that exist and have the right kind', () => {
    const catalog = openCatalog();
    for (const test of TESTS) {
      expect(test.id).toMatch(/^test\.[a-z0-9-]+(\.[a-z0-9-]+)*$/);
      const expectKind = (ids: readonly string[], kinds: string[]) => {
        for (const id of ids) expect(kinds, `${test.id} → ${id}`).toContain(catalog.get(id)?.kind);
      };
      expectKind(test.riskIds, ['risk']);
      expectKind(test.measureIds, ['technical-measure', 'governance-measure', 'guideline']);
      expectKind(test.techniqueIds, ['technology']);
      expectKind(test.capabilityIds, ['capability']);
    }
  });
});
