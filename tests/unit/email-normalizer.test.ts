import { checkEmail, normalizeEmail, type EmailRejection } from '../../normalizer/email.normalizer.js';
import { loadIdentityGolden } from '../support/identity-golden.js';

/** One spelling as people paste it; `email: null` means it must not become an identity. */
interface GoldenEmail {
  in: string;
  email: string | null;
  rejected?: EmailRejection;
  why?: string;
}

const golden = loadIdentityGolden<GoldenEmail>('emails');

describe('e-mail golden table', () => {
  test('holds valid and rejected spellings', () => {
    expect(golden.length).toBeGreaterThanOrEqual(60);
    expect(golden.filter((g) => g.email === null).length).toBeGreaterThanOrEqual(30);
    expect(new Set(golden.map((g) => g.in)).size).toBe(golden.length);
  });

  test.each(golden.map((g) => [JSON.stringify(g.in).slice(0, 80), g] as const))('%s', (_label, g) => {
    const result = checkEmail(g.in);
    if (g.email === null) expect(result).toEqual({ rejected: g.rejected });
    else expect(result).toEqual({ email: g.email });
    expect(normalizeEmail(g.in)).toBe(g.email ?? undefined);
  });
});

describe('normalizeEmail provider rules', () => {
  test('are off by default: dots and +tags are part of the address', () => {
    expect(normalizeEmail('J.Doe+ads@gmail.com')).toBe('j.doe+ads@gmail.com');
  });

  test.each([
    ['J.Doe+ads@gmail.com', 'jdoe@gmail.com'],
    ['j.doe@GoogleMail.com', 'jdoe@gmail.com'],
    ['ivan.petrov+shop@yandex.ru', 'ivan.petrov@yandex.ru'],
    ['a.b+c@example.com', 'a.b+c@example.com'],
    ['Anna <A.Nna+x@gmail.com>', 'anna@gmail.com'],
  ])('when on: %p → %p', (input, expected) => {
    expect(normalizeEmail(input, { providerRules: true })).toBe(expected);
  });

  test('a Gmail address that is only a tag is not an address', () => {
    expect(checkEmail('+x@gmail.com', { providerRules: true })).toEqual({ rejected: 'local_part' });
  });
});
