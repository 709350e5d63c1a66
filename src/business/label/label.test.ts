import { describe, expect, it } from 'vitest';
import {
  applyExplicitLabel,
  buildImplicitLabel,
  implicitLabelJson,
  isCompliantExplicitLabel,
  LabelConfigSchema,
  parseImplicitLabel,
} from './index.js';

describe('GB 45438-2025 labels', () => {
  it('explicit label needs an AI element and a generation element', () => {
    expect(isCompliantExplicitLabel('AI生成')).toBe(true);
    expect(isCompliantExplicitLabel('本内容由人工智能生成合成')).toBe(true);
    expect(isCompliantExplicitLabel('由AI合成')).toBe(true);
    expect(isCompliantExplicitLabel('AI')).toBe(false);
    expect(isCompliantExplicitLabel('机器生成')).toBe(false);
    const bad = LabelConfigSchema.safeParse({ text: 'AI', producer: 'x' });
    expect(bad.success).toBe(false);
  });

  it('implicit label has the seven Annex E keys in order and a unique ProduceID', () => {
    const config = LabelConfigSchema.parse({ producer: '001191110102MACQD9K64010000' });
    const a = buildImplicitLabel(config, 'hello');
    const b = buildImplicitLabel(config, 'hello');
    expect(Object.keys(a)).toEqual([
      'Label',
      'ContentProducer',
      'ProduceID',
      'ReservedCode1',
      'ContentPropagator',
      'PropagateID',
      'ReservedCode2',
    ]);
    expect(a.Label).toBe('1');
    expect(a.ProduceID).not.toBe(b.ProduceID);
    expect(a.ReservedCode1).toMatch(/^[0-9a-f]{40}$/);
    const wire = implicitLabelJson(a);
    expect(
      wire.startsWith('{"AIGC":{"Label":"1","ContentProducer":"001191110102MACQD9K64010000"'),
    ).toBe(true);
    expect(parseImplicitLabel(wire)).toEqual(a);
    expect(/^[\x20-\x7e]+$/.test(wire)).toBe(true); // header-safe
  });

  it('rejects producer values outside the Annex E charset', () => {
    expect(LabelConfigSchema.safeParse({ producer: '某公司' }).success).toBe(false);
    expect(LabelConfigSchema.safeParse({ producer: 'a b' }).success).toBe(false);
  });

  it('places the explicit label', () => {
    const c = { text: '【AI生成】', placement: 'suffix' as const };
    expect(applyExplicitLabel('你好', c)).toBe('你好【AI生成】');
    expect(applyExplicitLabel('你好', { ...c, placement: 'both' })).toBe(
      '【AI生成】你好【AI生成】',
    );
  });
});
