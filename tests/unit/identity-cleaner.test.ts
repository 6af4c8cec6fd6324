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
