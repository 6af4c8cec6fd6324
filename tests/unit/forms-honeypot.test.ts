import { mapFormSubmission } from '../../connectors/forms/forms.mapping.js';

describe('forms honeypot field', () => {
  const map = (payload: Record<string, unknown>, config?: Record<string, unknown>, flags?: string[]) =>
    mapFormSubmission({ channel: 'form', connectorId: 'site', payload, meta: flags ? { flags } : {}, receivedAt: '2026-05-14T09:31:00.000Z', ...(config ? { config } : {}) });

  test("a filled custom honeypot marks spam from the payload itself, and the bait is not a person's field", () => {
    const result = map({ name: 'Bot', phone: '+79123456789', website: 'http://spam.example' }, { id: 'site', kind: 'forms', honeypotField: 'website' });
    expect(result).toMatchObject({ kind: 'lead', spam: true, contact: { name: 'Bot', phones: ['+79123456789'] } });
    expect(result.kind === 'lead' && result.fields).toBeFalsy();
  });

  test('an empty custom honeypot is neither spam nor a field for the CRM', () => {
    const result = map({ name: 'Anna', phone: '+79123456789', website: '', comment_extra: 'x' }, { id: 'site', kind: 'forms', honeypotField: 'website' });
    expect(result).toMatchObject({ kind: 'lead', fields: { comment_extra: 'x' } });
    expect(result.kind === 'lead' && (result.spam ?? false)).toBe(false);
    expect(result.kind === 'lead' && result.fields).not.toHaveProperty('website');
  });

  test('a post with only the custom honeypot filled has no person fields, as with the default one', () => {
    expect(map({ website: 'http://spam.example' }, { id: 'site', kind: 'forms', honeypotField: 'website' })).toEqual({ kind: 'ignore', reason: 'no contact details' });
    expect(map({ lg_hp: 'x' })).toEqual({ kind: 'ignore', reason: 'no contact details' });
  });

  test('without an instance config the default field is the honeypot; the ingress flag still counts', () => {
    expect(map({ name: 'Bot', phone: '+79123456789', lg_hp: 'x' })).toMatchObject({ spam: true });
    expect(map({ name: 'Bot', phone: '+79123456789' }, undefined, ['spam'])).toMatchObject({ spam: true });
    expect(map({ name: 'Anna', phone: '+79123456789', lg_hp: '' })).not.toHaveProperty('spam');
  });
});
