import { normalizePhone } from '../../normalizer/phone.normalizer.js';

describe('normalizePhone', () => {
  test.each([
    ['8 (912) 345-67-89', '+79123456789'],
    ['+7 912 345 67 89', '+79123456789'],
    ['79123456789', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['8-800-555-35-35', '+78005553535'],
    ['+44 20 7946 0958', '+442079460958'],
    ['0044 20 7946 0958', '+442079460958'],
  ])('%s with region RU → %s', (input, e164) => {
    expect(normalizePhone(input, 'RU').e164).toBe(e164);
  });

  test('keeps the extension apart from the identity', () => {
    expect(normalizePhone('+1 (650) 253-0000 ext. 12', 'RU')).toEqual({ e164: '+16502530000', raw: '+1 (650) 253-0000 ext. 12', extension: '12' });
  });

  test.each(['abc', '12345', '+7 000', '', '+7 912 345 67 89 00 11 22 33'])('%p is not an identity', (input) => {
    const result = normalizePhone(input, 'RU');
    expect(result.e164).toBeUndefined();
    expect(result.raw).toBe(input.trim());
  });

  test('the default region decides national numbers', () => {
    expect(normalizePhone('020 7946 0958', 'GB').e164).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958', 'RU').e164).toBeUndefined();
  });
});

describe('normalizePhone options', () => {
  test.each([
    ['+7 495 123-45-67 доб. 123', '+74951234567', '123'],
    ['8 (495) 123-45-67, 45', '+74951234567', '45'],
    ['+1 650 253 0000 x7', '+16502530000', '7'],
  ])('%s keeps extension apart', (input, e164, extension) => {
    expect(normalizePhone(input, 'RU')).toEqual({ e164, raw: input, extension });
  });

  test('vanity letters become keypad digits, unless switched off', () => {
    expect(normalizePhone('+1 800 FLOWERS', 'RU').e164).toBe('+18003569377');
    expect(normalizePhone('+1 800 FLOWERS', { defaultRegion: 'RU', vanity: false }).e164).toBeUndefined();
  });

  test('prose with a number in it is not rewritten into a phone', () => {
    expect(normalizePhone('call me after six', 'RU').e164).toBeUndefined();
  });

  test('without assumeDefaultRegion a national number is not guessed', () => {
    expect(normalizePhone('8 912 345-67-89', { defaultRegion: 'RU', assumeDefaultRegion: false }).e164).toBeUndefined();
    expect(normalizePhone('+7 912 345-67-89', { defaultRegion: 'RU', assumeDefaultRegion: false }).e164).toBe('+79123456789');
  });

  test.each(['+7 000 000-00-00', '8 (000) 000 00 00', '+1 555 0100'])('%p cannot be a valid number: kept raw', (input) => {
    expect(normalizePhone(input, 'RU')).toEqual({ raw: input });
  });
});
