import { normalizerSettings } from '../../bin/normalizer-runtime.js';
import { buildConfig } from '../../config/config.loader.js';
import { cleanContact, cleanName } from '../../normalizer/draft.cleaner.js';

describe('cleanContact', () => {
  test('names: whitespace always collapsed, title case only when configured, never an identity', () => {
    expect(cleanName('  иван   ПЕТРОВ ')).toBe('иван ПЕТРОВ');
    expect(cleanName('  иван   ПЕТРОВ-водкин ', { titleCase: true })).toBe('Иван Петров-Водкин');
    const c = cleanContact({ kind: 'lead', contact: { name: 'Anna' } }, 'RU');
    expect(c.identities).toEqual([]);
  });

  test('telegram, whatsapp and connector-declared ids are identities; phone/e-mail ids go through their rules', () => {
    const c = cleanContact(
      {
        kind: 'lead',
        contact: {
          phones: ['8 912 345-67-89 доб. 7', 'n/a'],
          ids: [{ kind: 'telegram', value: ' 12345 ' }, { kind: 'WhatsApp', value: '79123456789' }, { kind: 'whatsapp_bsuid', value: 'RU.1a2b' }, { kind: 'vk', value: 'id1' }, { kind: 'email', value: 'A@B.RU' }],
        },
      },
      { defaultRegion: 'RU' },
    );
    expect(c.identities).toEqual([
      { kind: 'phone', value: '+79123456789' },
      { kind: 'email', value: 'a@b.ru' },
      { kind: 'telegram', value: '12345' },
      { kind: 'whatsapp', value: '79123456789' },
      { kind: 'whatsapp_bsuid', value: 'RU.1a2b' },
      { kind: 'vk', value: 'id1' },
    ]);
    expect(c.emails).toEqual(['a@b.ru']);
    expect(c.extensions).toEqual({ '+79123456789': '7' });
    expect(c.unparsed).toEqual(['n/a']);
  });
});

describe('cleanContact and the region', () => {
  test("the region given decides national spellings; what cannot be read stays raw, never an identity", () => {
    const draft = { kind: 'lead' as const, contact: { phones: ['8 029 123-45-67', 'тел: +7 912 345-67-89 вн. 12', '8 912 345-67-89 или 8 913 000-11-22'], emails: ['Анна <Anna@Example.com>', 'iv..an@example.com'] } };
    const by = cleanContact(draft, { defaultRegion: 'BY' });
    expect(by.phones).toEqual(['+375291234567', '+79123456789']);
    expect(by.extensions).toEqual({ '+79123456789': '12' });
    expect(by.emails).toEqual(['anna@example.com']);
    expect(by.unparsed).toEqual(['8 912 345-67-89 или 8 913 000-11-22', 'iv..an@example.com']);
    const ru = cleanContact(draft, { defaultRegion: 'RU' });
    expect(ru.phones).toEqual(['+79123456789']);
    expect(ru.unparsed).toEqual(['8 029 123-45-67', '8 912 345-67-89 или 8 913 000-11-22', 'iv..an@example.com']);
  });
});

describe('cleanContact and shared office contacts', () => {
  const shared = { phones: ['8 (495) 123-45-67'], emails: ['Office <OFFICE@firm.example>'] };

  test('a configured shared number or address, in any spelling, stays on the lead but is no identity', () => {
    const c = cleanContact(
      { kind: 'lead', contact: { phones: ['+7 495 123 45 67 доб. 204', '8 912 345-67-89'], emails: ['office@firm.example', 'ivan@firm.example'] } },
      { defaultRegion: 'RU', shared },
    );
    expect(c.phones).toEqual(['+74951234567', '+79123456789']);
    expect(c.emails).toEqual(['office@firm.example', 'ivan@firm.example']);
    expect(c.extensions).toEqual({ '+74951234567': '204' });
    expect(c.identities).toEqual([
      { kind: 'phone', value: '+79123456789' },
      { kind: 'email', value: 'ivan@firm.example' },
    ]);
  });

  test('a request with only shared contacts has no identity; without the setting the number is one', () => {
    const draft = { kind: 'lead' as const, contact: { phones: ['74951234567'] } };
    expect(cleanContact(draft, { defaultRegion: 'RU', shared }).identities).toEqual([]);
    expect(cleanContact(draft, { defaultRegion: 'RU' }).identities).toEqual([{ kind: 'phone', value: '+74951234567' }]);
  });

  test('shared numbers are read in the request’s region', () => {
    const local = { phones: ['8 029 123-45-67'] };
    const draft = { kind: 'lead' as const, contact: { phones: ['+375 29 123 45 67'] } };
    expect(cleanContact(draft, { defaultRegion: 'BY', shared: local }).identities).toEqual([]);
    expect(cleanContact(draft, { defaultRegion: 'RU', shared: local }).identities).toEqual([{ kind: 'phone', value: '+375291234567' }]);
  });
});

describe('normalizer.sharedContacts in the config', () => {
  test('reaches the cleaning rules; empty by default; a non-string entry is refused', () => {
    expect(normalizerSettings(buildConfig({}, {})).normalization?.shared).toEqual({ phones: [], emails: [] });
    const config = buildConfig({ normalizer: { sharedContacts: { phones: ['8 495 123-45-67'], emails: ['office@firm.example'] } } }, {});
    expect(normalizerSettings(config).normalization?.shared).toEqual({ phones: ['8 495 123-45-67'], emails: ['office@firm.example'] });
    expect(() => buildConfig({ normalizer: { sharedContacts: { phones: [74951234567] } } }, {})).toThrow(/sharedContacts/);
  });
});
