import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leadDraftSchema, type MapResult } from '../../contracts/lead-draft.js';
import type { FormRule } from '../../connectors/email/email.config.js';
import { compileFormRules } from '../../connectors/email/email.form-rules.js';
import { mapEmail } from '../../connectors/email/email.mapping.js';
import { buildEmailEvent } from '../../connectors/email/email.parser.js';
import type { ExtractedForm } from '../../connectors/email/email.payload.js';
import { compile } from '../../platform/validation.js';

/**
 * Golden runner: each `<case>.eml` is a message as a server stores it, `<case>.case.json` what the ingress
 * must make of it (event id, flags, extracted form) and what the mapper must return. The .eml goes through
 * the real ingress path (mailparser, form rules, internal-domain flag) and then through JSON, as on the bus.
 */
interface GoldenCase {
  description: string;
  receivedAt: string;
  providerEventId: string;
  flags?: string[];
  extracted?: ExtractedForm;
  expected: MapResult;
}

const dir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/email');
const mailbox = JSON.parse(readFileSync(join(dir, 'mailbox.config.json'), 'utf8')) as { internalDomains: string[]; formRules: FormRule[]; maxBodyChars: number };
const rules = compileFormRules(mailbox.formRules);
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.case.json'))
  .map((f) => f.slice(0, -'.case.json'.length))
  .sort();
const validDraft = compile(leadDraftSchema);

describe('e-mail mapping golden cases', () => {
  it('has a fixture for every kind of mail the connector must handle', () => {
    expect(cases).toEqual(
      expect.arrayContaining(['plain-text', 'html-only', 'windows-1251', 'koi8-r', 'multipart-attachments', 'auto-reply', 'bounce-dsn', 'site-notification', 'thread-reply']),
    );
  });

  it.each(cases)('%s', async (name) => {
    const spec = JSON.parse(readFileSync(join(dir, `${name}.case.json`), 'utf8')) as GoldenCase;
    const event = await buildEmailEvent(readFileSync(join(dir, `${name}.eml`)), mailbox, rules);
    expect(event.providerEventId).toBe(spec.providerEventId);
    expect(event.flags).toEqual(spec.flags ?? []);
    expect(event.payload.extracted).toEqual(spec.extracted);
    const payload = JSON.parse(JSON.stringify(event.payload)) as Record<string, unknown>;
    const result = mapEmail({ channel: 'email', connectorId: 'golden', payload, meta: spec.flags ? { flags: spec.flags } : {}, receivedAt: spec.receivedAt });
    expect(result).toEqual(spec.expected);
    if (result.kind === 'lead') expect(validDraft(result)).toBe(true);
  });
});
