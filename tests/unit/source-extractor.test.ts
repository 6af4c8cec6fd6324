import { extractSource } from '../../normalizer/source.extractor.js';

describe('extractSource', () => {
  test('utm and click ids from the landing page and from form fields; explicit values win', () => {
    const source = extractSource(
      { utm: { utm_campaign: 'explicit' } },
      { page: 'https://shop.example/landing?utm_source=yandex&utm_campaign=spring&yclid=123', gclid: 'g-1', roistat_visit: '777' },
    );
    expect(source).toEqual({
      page: 'https://shop.example/landing?utm_source=yandex&utm_campaign=spring&yclid=123',
      utm: { utm_source: 'yandex', utm_campaign: 'explicit' },
      clickIds: { yclid: '123', gclid: 'g-1', roistat_visit: '777' },
    });
  });

  test('a relative page is kept without failing', () => {
    expect(extractSource(undefined, { page: '/contacts' })).toEqual({ page: '/contacts' });
  });
});
