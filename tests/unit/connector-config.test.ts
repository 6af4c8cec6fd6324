import { buildConfig } from '../../config/config.loader.js';
import { LeadgateError } from '../../contracts/errors.js';

function problemsOf(connector: Record<string, unknown>): string[] {
  try {
    buildConfig({ connectors: [connector] }, {});
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(LeadgateError);
    return (err as LeadgateError).details.problems as string[];
  }
}

describe('telegram secretToken', () => {
  const bot = (secretToken: string) => ({ id: 'bot', kind: 'telegram', botToken: '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11', publicUrl: 'https://leads.example.com', secretToken });

  test.each(['a', 'S3cr_t-', 'x'.repeat(31), 'A'.repeat(256), 'abc_DEF-123'])('Telegram accepts %p, so Leadgate does', (secret) => {
    expect(problemsOf(bot(secret))).toEqual([]);
  });

  test.each(['', 'x'.repeat(257), 'has space', 'dot.ted', 'слово', 'plus+sign'])('%p is outside Telegram\'s alphabet or length', (secret) => {
    expect(problemsOf(bot(secret))).toEqual([expect.stringMatching(/^\/connectors\/0\/secretToken: must match pattern/)]);
  });
});

describe('forms region and honeypot settings', () => {
  test('an instance region and a custom honeypot name are accepted as written; the default honeypot otherwise', () => {
    const config = buildConfig({ connectors: [{ id: 'minsk', kind: 'forms', defaultRegion: 'BY', honeypotField: 'website' }, { id: 'site', kind: 'forms' }] }, {});
    expect(config.connectors).toEqual([
      { id: 'minsk', kind: 'forms', defaultRegion: 'BY', honeypotField: 'website' },
      { id: 'site', kind: 'forms', honeypotField: 'lg_hp' },
    ]);
  });

  test.each([{ defaultRegion: 'by' }, { defaultRegion: 'BLR' }, { honeypotField: 'has space' }, { honeypotField: '' }])('%p is refused', (setting) => {
    expect(problemsOf({ id: 'site', kind: 'forms', ...setting })).toHaveLength(1);
  });
});
