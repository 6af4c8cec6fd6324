import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leadDraftSchema, type MapResult } from '../../contracts/lead-draft.js';
import { mapFormSubmission } from '../../connectors/forms/forms.mapping.js';
import { parseBody } from '../../platform/http/body-reader.js';
import { compile } from '../../platform/validation.js';

/**
 * Golden runner: each `<case>.body` holds the bytes a provider sends, `<case>.case.json` the Content-Type
 * and the expected draft. Bodies go through the real body parser, so the wire format is tested too.
 */
interface GoldenCase {
  description: string;
  contentType: string;
  receivedAt: string;
  flags?: string[];
  ignoredFiles?: number;
  expected: MapResult;
}

const dir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/forms');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.case.json'))
  .map((f) => f.slice(0, -'.case.json'.length))
  .sort();
const validDraft = compile(leadDraftSchema);

describe('forms mapping golden cases', () => {
  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s', async (name) => {
    const spec = JSON.parse(readFileSync(join(dir, `${name}.case.json`), 'utf8')) as GoldenCase;
    const parsed = await parseBody(readFileSync(join(dir, `${name}.body`)), spec.contentType);
    if (spec.ignoredFiles !== undefined) expect(parsed.files).toHaveLength(spec.ignoredFiles);
    const result = mapFormSubmission({
      channel: 'form',
      connectorId: 'golden',
      payload: parsed.fields,
      meta: spec.flags ? { flags: spec.flags } : {},
      receivedAt: spec.receivedAt,
    });
    expect(result).toEqual(spec.expected);
    if (result.kind === 'lead') expect(validDraft(result)).toBe(true);
  });
});
