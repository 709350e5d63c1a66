import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeSseEvents } from './sse.js';

function feed(chunks: string[]): string[] {
  let pending = '';
  const out: string[] = [];
  for (const chunk of chunks) {
    const { data, rest } = takeSseEvents(pending + chunk);
    out.push(...data);
    pending = rest;
  }
  return out;
}

describe('takeSseEvents', () => {
  it('frames LF and CRLF events, joins multi-line data, skips comments', () => {
    expect(takeSseEvents('data: a\n\n: comment\n\ndata: b\r\ndata: c\r\n\r\ndata: d')).toEqual({
      data: ['a', 'b\nc'],
      rest: 'data: d',
    });
  });

  it('property: any chunking of any event stream yields the same events', () => {
    const payload = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(
        fc.array(payload, { maxLength: 10 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat({ max: 300 }), { maxLength: 12 }),
        (events, eol, cuts) => {
          const text = events.map((e) => `data: ${e}${eol}${eol}`).join('');
          const sorted = [...new Set(cuts.filter((c) => c < text.length))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let at = 0;
          for (const cut of sorted) {
            chunks.push(text.slice(at, cut));
            at = cut;
          }
          chunks.push(text.slice(at));
          expect(feed(chunks)).toEqual(events);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it('property: never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const { rest } = takeSseEvents(s);
        expect(s.endsWith(rest)).toBe(true);
      }),
      { numRuns: 300, seed: 6 },
    );
  });
});
