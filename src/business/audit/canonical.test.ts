import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalRecord } from './canonical.js';

// RFC 8785 key order is by UTF-16 code units; canonicalRecord hard-codes the order of the decision
// record's keys, so it must give canonicalJson's bytes for every record the guard can write.
const json = fc.jsonValue().filter((v) => !Number.isNaN(v) && v !== Number.POSITIVE_INFINITY);
const record = fc.record(
  {
    kind: fc.constantFrom('decision', 'override', 'review', 'admin'),
    requestId: fc.string(),
    keyId: fc.string(),
    route: fc.string(),
    model: fc.string(),
    inputSha256: fc.string(),
    outputSha256: fc.string(),
    fired: fc.array(fc.string()),
    action: fc.string(),
    status: fc.integer(),
    reason: fc.string({ unit: 'grapheme' }),
    latencyMs: fc.double({ noNaN: true, noDefaultInfinity: true }),
    detail: fc.dictionary(fc.string(), json),
    seq: fc.nat(),
    ts: fc.string(),
  },
  { requiredKeys: ['kind', 'requestId', 'action', 'seq', 'ts'] },
);

describe('canonicalRecord', () => {
  it('equals canonicalJson on every decision record (property)', () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(canonicalRecord(r)).toBe(canonicalJson(r));
      }),
      { numRuns: 500 },
    );
  });

  it('with `extra` equals canonicalJson of the record with seq and ts replaced (property)', () => {
    fc.assert(
      fc.property(record, fc.nat(), fc.string(), (r, seq, ts) => {
        const { seq: _s, ts: _t, ...rest } = r;
        expect(canonicalRecord(rest, { seq, ts })).toBe(canonicalJson({ ...rest, seq, ts }));
        // Fields already present are overridden, as a spread would.
        expect(canonicalRecord(r, { seq, ts })).toBe(canonicalJson({ ...r, seq, ts }));
      }),
      { numRuns: 300 },
    );
    expect(canonicalRecord({ zeta: 1, action: 'a' }, { seq: 2, ts: 't' })).toBe(
      '{"action":"a","seq":2,"ts":"t","zeta":1}',
    );
  });

  it('falls back to the general form for other keys and skips undefined', () => {
    const r = { seq: 1, zeta: 2, action: 'allow', reason: undefined, Kind: 'x' };
    expect(canonicalRecord(r)).toBe('{"Kind":"x","action":"allow","seq":1,"zeta":2}');
    expect(canonicalRecord(r)).toBe(canonicalJson(r));
    expect(canonicalRecord({ action: 'a', kind: 'k', seq: 0, ts: 't', reason: undefined })).toBe(
      '{"action":"a","kind":"k","seq":0,"ts":"t"}',
    );
  });
});
