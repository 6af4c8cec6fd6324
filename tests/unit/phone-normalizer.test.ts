import { normalizePhone, type PhoneRejection } from '../../normalizer/phone.normalizer.js';
import { foldPhoneText } from '../../normalizer/phone.text-folding.js';
import { loadIdentityGolden } from '../support/identity-golden.js';

/** One spelling as people and systems write it; `e164: null` means it must not become an identity. */
interface GoldenPhone {
  in: string;
  region: string;
  e164: string | null;
  extension?: string;
  rejected?: PhoneRejection;
  why?: string;
}

const golden = loadIdentityGolden<GoldenPhone>('phones');

describe('phone golden table', () => {
  test('covers every region the product serves, valid and rejected spellings', () => {
    expect(golden.length).toBeGreaterThanOrEqual(150);
    for (const region of ['RU', 'KZ', 'BY', 'UA', 'UZ', 'DE', 'US']) expect(golden.filter((g) => g.region === region).length).toBeGreaterThan(5);
    expect(golden.filter((g) => g.e164 === null).length).toBeGreaterThanOrEqual(40);
  });

  test.each(golden.map((g) => [JSON.stringify(g.in), g.region, g] as const))('%s in %s', (_label, _region, g) => {
    const result = normalizePhone(g.in, g.region);
    expect(result.raw).toBe(g.in.trim());
    if (g.e164 === null) {
      expect(result.e164).toBeUndefined();
      expect(result.rejected).toBe(g.rejected);
    } else {
      expect(result.e164).toBe(g.e164);
      expect(result.rejected).toBeUndefined();
    }
    expect(result.extension).toBe(g.extension);
  });
});

describe('foldPhoneText', () => {
  test('removes what a person cannot see and makes every dash and space ASCII', () => {
    expect(foldPhoneText('\u2066\u200e+7\u202f912\u00a0345\u2013\u200b67\u00ad\u221289\ufeff\u2069')).toBe('+7 912 345-67-89');
    expect(foldPhoneText('＋７ (９１２)')).toBe('+7 (912)');
    expect(foldPhoneText('٩١٢ ۳۴۵')).toBe('912 345');
  });
});

describe('normalizePhone options', () => {
  test('vanity letters become keypad digits, unless switched off', () => {
    expect(normalizePhone('+1 800 FLOWERS', 'RU').e164).toBe('+18003569377');
    expect(normalizePhone('+1 800 FLOWERS', { defaultRegion: 'RU', vanity: false }).e164).toBeUndefined();
  });

  test('a name glued to a number is not read as vanity letters', () => {
    expect(normalizePhone('Ivan 89123456789', 'RU').e164).toBe('+79123456789');
    expect(normalizePhone('8912345 Ivanov', 'RU').e164).toBeUndefined();
  });

  test('without assumeDefaultRegion a national number is not guessed', () => {
    expect(normalizePhone('8 912 345-67-89', { defaultRegion: 'RU', assumeDefaultRegion: false }).e164).toBeUndefined();
    expect(normalizePhone('+7 912 345-67-89', { defaultRegion: 'RU', assumeDefaultRegion: false }).e164).toBe('+79123456789');
  });

  test('the default region decides national numbers', () => {
    expect(normalizePhone('020 7946 0958', 'GB').e164).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958', 'RU').e164).toBeUndefined();
  });

  test('a rejected value keeps its text exactly as received', () => {
    expect(normalizePhone(' 8 912 345-67-89, 8 913 000-11-22 ', 'RU')).toEqual({ raw: '8 912 345-67-89, 8 913 000-11-22', rejected: 'several_numbers' });
  });
});
