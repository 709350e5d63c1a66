import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidCnId, isValidUscc, luhnValid, usccCheckChar } from './checks.js';
import { createPiiDetector } from './detect.js';
import { unsafeRegexReason } from './safe-regex.js';

const detector = createPiiDetector();
const types = (text: string) => detector.scan(text).map((f) => f.type);

describe('check digits (published reference values)', () => {
  it('resident ID MOD 11-2: the GB 11643-1999 example passes, any other check char fails', () => {
    expect(isValidCnId('11010519491231002X')).toBe(true);
    expect(isValidCnId('11010519491231002x')).toBe(true);
    for (const c of '0123456789') expect(isValidCnId(`11010519491231002${c}`)).toBe(false);
  });
  it('resident ID rejects impossible dates, future dates and unknown provinces', () => {
    // 440524188001010014 is the other widely quoted valid example (Guangdong, 1880-01-01).
    expect(isValidCnId('440524188001010014')).toBe(true);
    expect(isValidCnId('110105194902300021')).toBe(false); // 30 Feb
    expect(isValidCnId('990105194912310021')).toBe(false); // province 99
    expect(isValidCnId('110105209912310021', new Date('2025-01-01'))).toBe(false);
  });
  it('USCC MOD 31: published codes pass, altered check chars fail', () => {
    expect(isValidUscc('9144030071526726XG')).toBe(true);
    // The USCC embedded in a real Doubao GB 45438 label (research note §2.3).
    expect(isValidUscc('91110102MACQD9K640')).toBe(true);
    expect(isValidUscc('9144030071526726XH')).toBe(false);
    expect(isValidUscc('91110102MACQD9K641')).toBe(false);
    expect(usccCheckChar('9144030071526726X')).toBe('G');
  });
  it('Luhn: published test card numbers pass, one changed digit fails', () => {
    expect(luhnValid('4111111111111111')).toBe(true); // Visa test number
    expect(luhnValid('6200000000000005')).toBe(true); // Stripe UnionPay test number
    expect(luhnValid('6205500000000000004')).toBe(true); // Stripe UnionPay 19-digit
    expect(luhnValid('6200000000000006')).toBe(false);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});

describe('createPiiDetector', () => {
  it('finds each type with UTF-16 offsets and masks', () => {
    const text = '身份证11010519491231002X，手机13812345678。';
    const found = detector.scan(text);
    expect(found).toEqual([
      { type: 'cn_id', start: 3, end: 21, masked: '110105********002X' },
      { type: 'cn_mobile', start: 24, end: 35, masked: '138****5678' },
    ]);
    expect(text.slice(3, 21)).toBe('11010519491231002X');
  });

  it('valid values of every type are reported', () => {
    expect(types('卡号 6200000000000005')).toEqual(['bank_card']);
    expect(types('卡号 6205 5000 0000 0000 004')).toEqual(['bank_card']);
    expect(types('信用代码 9144030071526726XG')).toEqual(['cn_uscc']);
    expect(types('护照号码 E12345678')).toEqual(['cn_passport']);
    expect(types('车牌京A12345违章')).toEqual(['cn_plate']);
    expect(types('车牌粤B·D12345')).toEqual(['cn_plate']);
    expect(types('邮箱 zhang.san@example.com.cn。')).toEqual(['email']);
    expect(types('IP 192.168.1.100 登录')).toEqual(['ipv4']);
    expect(types('地址 2001:db8::8a2e:370:7334 登录')).toEqual(['ipv6']);
    expect(types('电话+86 138-1234-5678')).toEqual(['cn_mobile']);
    expect(types('电话 +8613812345678')).toEqual(['cn_mobile']);
  });

  it('look-alikes are not reported: wrong check digits, order numbers, timestamps, landlines', () => {
    expect(types('身份证 110105194912310021')).toEqual([]); // wrong check digit
    expect(types('卡号 6200000000000006')).toEqual([]); // Luhn fails
    expect(types('信用代码 9144030071526726XH')).toEqual([]);
    expect(types('订单号 202401011234567890123')).toEqual([]);
    expect(types('订单号 20240101123456789012')).toEqual([]);
    expect(types('时间戳 1700000000123 或 1700000000')).toEqual([]);
    expect(types('时间 2024-01-01 12:30:45')).toEqual([]);
    expect(types('座机 010-62345678 或 0755-2345678')).toEqual([]);
    expect(types('号码 12812345678')).toEqual([]); // 128 is not a mobile prefix
    expect(types('号码 138123456789')).toEqual([]); // 12 digits
    expect(types('版本 1.2.3.4.5')).toEqual([]);
    expect(types('订单 E12345678')).toEqual([]); // passport needs context
    expect(types('MAC aa:bb:cc:dd:ee:ff')).toEqual([]);
    expect(types('user@localhost')).toEqual([]);
    expect(types('ID11010519491231002X')).toEqual([]); // inside a longer token
  });

  it('custom patterns and keywords; overlaps resolved', () => {
    const custom = createPiiDetector({
      custom: [{ name: 'employee_id', pattern: 'EMP-\\d{6}', keep: 4 }],
      keywords: [{ name: 'project', words: ['天穹计划'] }],
    });
    const found = custom.scan('员工EMP-123456参与天穹计划');
    expect(found.map((f) => [f.type, f.start, f.end, f.masked])).toEqual([
      ['employee_id', 2, 12, 'EMP-**3456'],
      ['project', 14, 18, '****'],
    ]);
  });

  it('rejects catastrophic custom patterns', () => {
    expect(unsafeRegexReason('(a+)+$')).toMatch(/nested/);
    expect(unsafeRegexReason('(a|ab)*c')).toMatch(/alternation/);
    expect(unsafeRegexReason('((ab)*)+')).toMatch(/nested/);
    expect(unsafeRegexReason('(\\w)\\1')).toMatch(/backreference/);
    expect(unsafeRegexReason('EMP-\\d{6}')).toBeUndefined();
    expect(unsafeRegexReason('(?:ab)+[0-9]{2,4}')).toBeUndefined();
    expect(() => createPiiDetector({ custom: [{ name: 'x', pattern: '(a+)+' }] })).toThrow(
      /custom\[0\]\.pattern/,
    );
  });

  it('redact and mask', () => {
    expect(detector.redact('手机13812345678').text).toBe('手机[CN_MOBILE]');
    expect(detector.redact('手机13812345678', 'mask').text).toBe('手机138****5678');
  });

  it('property: never throws, offsets in bounds and ordered, on any Unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const found = detector.scan(text);
        let last = 0;
        for (const f of found) {
          expect(f.start).toBeGreaterThanOrEqual(last);
          expect(f.end).toBeGreaterThan(f.start);
          expect(f.end).toBeLessThanOrEqual(text.length);
          last = f.end;
        }
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it('property: a valid mobile embedded in Chinese text is always found at its offset', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('中', '文', '字', '，', ' '), maxLength: 20 }),
        fc.integer({ min: 0, max: 99_999_999 }),
        (prefix, n) => {
          const mobile = `139${String(n).padStart(8, '0')}`;
          const found = detector.scan(`${prefix}${mobile}。`);
          expect(found).toEqual([
            expect.objectContaining({ type: 'cn_mobile', start: prefix.length }),
          ]);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('is linear on adversarial input (no ReDoS in built-in confirmers)', () => {
    const evil = `${'a.'.repeat(50_000)}@`;
    const t0 = performance.now();
    detector.scan(evil);
    detector.scan('1'.repeat(100_000));
    detector.scan(':'.repeat(100_000));
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
