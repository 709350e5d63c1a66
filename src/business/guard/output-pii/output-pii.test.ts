import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPiiDetector } from '../../../data/pii/index.js';
import { applyPiiPolicy, createStreamRedactor, type PiiAction } from './index.js';

const detector = createPiiDetector();
const actionOf = (type: string): PiiAction => (type === 'cn_id' ? 'redact' : 'mask');
const whole = (text: string) => applyPiiPolicy(text, detector.scan(text), actionOf).text;

function streamed(text: string, cuts: number[]): string {
  const r = createStreamRedactor(detector, actionOf);
  let out = '';
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < text.length)].sort((a, b) => a - b)) {
    out += r.push(text.slice(at, cut)).text;
    at = cut;
  }
  out += r.push(text.slice(at)).text;
  out += r.end().text;
  return out;
}

const PIECES = [
  '13812345678',
  '11010519491231002X',
  'a.b@example.com',
  '6200000000000005',
  '192.168.0.1',
  '京A12345',
  '，',
  '你好',
  ' ',
  '123',
  'x',
  '订单2024',
];

describe('streaming PII redaction (hold-back window)', () => {
  it('equals the whole-text result for any chunking (PII never split-leaks)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 40 }),
        (pieces, cuts) => {
          const text = pieces.join('');
          expect(streamed(text, cuts)).toBe(whole(text));
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('one character per chunk', () => {
    const text = '请拨打13812345678或发邮件a.b@example.com，身份证11010519491231002X。';
    const cuts = Array.from({ length: text.length }, (_, i) => i);
    expect(streamed(text, cuts)).toBe('请拨打138****5678或发邮件a**@example.com，身份证[CN_ID]。');
  });

  it('releases Chinese text at once and holds only a possible value at the end', () => {
    const r = createStreamRedactor(detector, actionOf);
    expect(r.push('你好，'.repeat(40)).text).toBe('你好，'.repeat(40));
    expect(r.push('手机138').text).toBe('手机');
    expect(r.push('12345678，').text).toBe('138****5678，');
    expect(r.push('车牌京').text).toBe('车牌');
    expect(r.push('A12345').text).toBe('');
    expect(r.end().text).toBe('京A****5');
    const keywords = createPiiDetector({ keywords: [{ name: 'project', words: ['天穹计划'] }] });
    const k = createStreamRedactor(keywords, () => 'redact');
    expect(k.push('启动天穹').text).toBe('启');
    expect(k.push('计划').text).toBe('动');
    expect(k.end().text).toBe('[PROJECT]');
  });
});
