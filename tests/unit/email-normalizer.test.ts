import { normalizeEmail } from '../../normalizer/email.normalizer.js';

describe('normalizeEmail', () => {
  test.each([
    ['  Anna.Petrova@Example.COM ', 'anna.petrova@example.com'],
    ['Anna <anna@example.com>', 'anna@example.com'],
    ['mailto:ivan@example.com', 'ivan@example.com'],
    ['info@пример.рф', 'info@xn--e1afmkfd.xn--p1ai'],
    ['john.doe@gmail.com', 'john.doe@gmail.com'],
  ])('%p → %p', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  test.each(['', 'not-an-email', 'a@b', 'two@@example.com', 'spaces in@example.com'])('%p is rejected', (input) => {
    expect(normalizeEmail(input)).toBeUndefined();
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
  ])('when on: %p → %p', (input, expected) => {
    expect(normalizeEmail(input, { providerRules: true })).toBe(expected);
  });

  test('a Gmail address that is only a tag is not an address', () => {
    expect(normalizeEmail('+x@gmail.com', { providerRules: true })).toBeUndefined();
  });
});
