import { PGlite } from '@electric-sql/pglite';
import { LeadgateError } from '../../contracts/errors.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { findLeaks, type Secrets } from '../support/pii-scan.js';

const secrets: Secrets = { phones: ['9161234567'], emails: ['anna.petrova@example.com'], tokens: ['s3cr3t-token-abcdefghij'] };

function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
  const lines: string[] = [];
  write(createLogger('info', { write: (line: string) => void lines.push(line) }));
  expect(lines.length).toBeGreaterThan(0);
  return lines.join('');
}

describe('createLogger masking', () => {
  test('phones and e-mails in messages and fields are masked, enough of them kept to debug', () => {
    const out = logged((l) => l.warn({ body: { phone: '+7 (916) 123-45-67', email: 'Anna.Petrova@example.com' } }, 'lead from %s', '89161234567'));
    expect(findLeaks(out, secrets)).toEqual([]);
    expect(out).toContain('***67');
    expect(out).toContain('A***@example.com');
  });

  test('an error carrying PII in its message, stack, details or cause is masked, and still logged as an error', () => {
    const cause = new Error('CRM said: duplicate anna.petrova@example.com');
    const err = new LeadgateError('DESTINATION_REJECTED', 'CRM answered 422 for +79161234567', { cause, details: { answer: { phone: '79161234567' } } });
    const out = logged((l) => l.error({ err }, 'delivery failed'));
    expect(findLeaks(out, secrets)).toEqual([]);
    const line = JSON.parse(out) as { err: { type: string; message: string; stack: string } };
    expect(line.err.type).toBe('LeadgateError');
    expect(line.err.message).toContain('***67');
    expect(line.err.stack).toContain('at ');
  });

  test('a failed store write logs its SQLSTATE and statement, not the record it tried to write', async () => {
    // A real PGlite error: the driver attaches the bound parameters (the whole record) to it.
    const db = new PGlite();
    const lead = { contact: { name: 'Zinaida Wexford-Quill', phones: ['+79161234567'] }, fields: { favourite: 'Periwinkle orchard' }, comment: 'ring after the harvest fair \ud83d' };
    let cause: unknown;
    try {
      await db.query('select $1::jsonb as output', [JSON.stringify(lead)]);
    } catch (err) {
      cause = err;
    } finally {
      await db.close();
    }
    expect((cause as { params?: unknown }).params).toBeDefined();
    const err = new LeadgateError('VALIDATION_FAILED', 'The bus refused the record value', { cause });
    // Both shapes: the driver's error itself (an adapter's retry log) and wrapped as a cause (the gateway's).
    const out = logged((l) => {
      l.warn({ err: cause }, 'bus.handler_failed');
      l.warn({ err }, 'raw event not published');
    });
    expect(findLeaks(out, { ...secrets, texts: ['Wexford', 'Periwinkle', 'harvest fair'] })).toEqual([]);
    expect(out).toContain('22P02');
    expect(out).toContain('select $1::jsonb');
  });

  test('values nested deeper than the walk are still masked', () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: { phone: '9161234567' } } } } } } } } };
    expect(findLeaks(logged((l) => l.info({ deep }, 'deep')), secrets)).toEqual([]);
  });

  test('tokens in URLs and secret-named fields are redacted', () => {
    const out = logged((l) => l.warn({ url: '/v1/hooks/tilda?token=s3cr3t-token-abcdefghij&x=1', config: { secret: 's3cr3t-token-abcdefghij' } }, 'refused'));
    expect(findLeaks(out, secrets)).toEqual([]);
    expect(out).toContain('x=1');
  });
});
