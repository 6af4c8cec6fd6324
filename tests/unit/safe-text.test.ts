import fc from 'fast-check';
import { findUnsafeText, repairDeep, repairText, truncateText, unsafeTextReason } from '../../platform/text/safe-text.js';
import { cleanName } from '../../normalizer/draft.cleaner.js';

const graphemes = (text: string): string[] => [...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);
const wellFormed = (text: string): boolean => unsafeTextReason(text) === undefined;

describe('safe text', () => {
  it('names NUL and lone surrogates, accepts paired surrogates', () => {
    expect(unsafeTextReason('ab\u0000c')).toBe('nul');
    expect(unsafeTextReason('a\ud800b')).toBe('lone_surrogate');
    expect(unsafeTextReason('a\udc00')).toBe('lone_surrogate');
    expect(unsafeTextReason('\ud83d')).toBe('lone_surrogate');
    expect(unsafeTextReason('Анна 😀👍🏽🇷🇺')).toBeUndefined();
  });

  it('finds the first unsafe key or value with its path', () => {
    expect(findUnsafeText({ payload: { contact: { name: 'x\u0000' } } })).toEqual({ path: 'payload.contact.name', reason: 'nul', inKey: false });
    expect(findUnsafeText({ payload: { list: ['ok', 'b\ud800'] } })).toEqual({ path: 'payload.list[1]', reason: 'lone_surrogate', inKey: false });
    expect(findUnsafeText({ payload: { 'a b\u0000': 1 } })).toEqual({ path: 'payload["a b"]', reason: 'nul', inKey: true });
    expect(findUnsafeText({ payload: { name: '😀', n: 1, z: null } })).toBeUndefined();
  });

  it('repairs: lone surrogates become U+FFFD, NUL is dropped, keys too; safe values are returned as is', () => {
    expect(repairText('a\u0000b\ud800c\udc00')).toBe('ab\ufffdc\ufffd');
    const safe = { a: ['x'] };
    expect(repairDeep(safe)).toBe(safe);
    expect(repairDeep({ 'k\u0000': ['v\ud800', 2, { w: '\udfff' }] })).toEqual({ k: ['v\ufffd', 2, { w: '\ufffd' }] });
  });

  it('every repaired string is well-formed (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => wellFormed(repairText(s)) && (wellFormed(s) ? repairText(s) === s : true)));
  });

  it('truncates on a grapheme boundary within the budget (property)', () => {
    const unit = fc.constantFrom('a', 'я', '😀', '👍🏽', '🇷🇺', '👨‍👩‍👧‍👦', 'é', 'e\u0301');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 300 }), fc.integer({ min: 1, max: 400 }), (parts, max) => {
        const text = parts.join('');
        const cut = truncateText(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(wellFormed(cut)).toBe(true);
        expect(text.startsWith(cut)).toBe(true);
        // A prefix of whole graphemes, as long as the budget allows.
        const g = graphemes(text);
        let best = '';
        for (const piece of g) {
          if (best.length + piece.length > max) break;
          best += piece;
        }
        if (best.length > 0) expect(cut).toBe(best);
      }),
    );
  });

  it('a single grapheme longer than the budget is cut on a code-point boundary, never emptied', () => {
    const zalgo = `a${'\u0301'.repeat(500)}`;
    expect(truncateText(zalgo, 200)).toHaveLength(200);
    const family = '👨‍👩‍👧‍👦';
    const cut = truncateText(family, 4);
    expect(wellFormed(cut)).toBe(true);
    expect(cut.length).toBeGreaterThan(0);
  });

  it('the reported emoji name: one letter and 150 emoji is cut to 200 code units without splitting a pair', () => {
    const name = cleanName(`A${'😀'.repeat(150)}`);
    expect(name).toBe(`A${'😀'.repeat(99)}`);
    expect(wellFormed(name ?? '')).toBe(true);
  });
});
