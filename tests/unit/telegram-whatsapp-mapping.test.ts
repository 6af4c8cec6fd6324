import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leadDraftSchema, type MapResult } from '../../contracts/lead-draft.js';
import type { Channel } from '../../contracts/raw-event.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { telegramConnector } from '../../connectors/telegram/telegram.connector.js';
import { assertUpdate } from '../../connectors/telegram/telegram.update.js';
import { whatsappConnector } from '../../connectors/whatsapp/whatsapp.connector.js';
import { assertWaBody, splitBody } from '../../connectors/whatsapp/whatsapp.payload.js';
import { parseBody } from '../../platform/http/body-reader.js';
import { compile } from '../../platform/validation.js';

/**
 * One golden runner for both messengers: `<case>.body` holds the bytes the provider sends,
 * `<case>.case.json` the drafts expected, one per raw event the ingress would publish (a WhatsApp body
 * is cut per message by the ingress's own `splitBody`). Bodies go through the real body parser.
 */
interface GoldenCase {
  description: string;
  receivedAt: string;
  expected: MapResult[];
}

interface Kind {
  name: string;
  channel: Channel;
  plugin: ConnectorPlugin<never>;
  /** The payloads the ingress publishes for one request body (what the mapper later sees). */
  events(fields: Record<string, unknown>): Record<string, unknown>[];
}

const kinds: Kind[] = [
  {
    name: 'telegram',
    channel: 'telegram',
    plugin: telegramConnector as unknown as ConnectorPlugin<never>,
    events: (fields) => [assertUpdate(fields) as unknown as Record<string, unknown>],
  },
  {
    name: 'whatsapp',
    channel: 'whatsapp',
    plugin: whatsappConnector as unknown as ConnectorPlugin<never>,
    events: (fields) => {
      const split = splitBody(assertWaBody(fields), '106540352242922');
      // A body with no message is answered `ignored` by the ingress; on replay the mapper sees it whole.
      return split.events.length > 0 ? split.events.map((e) => e.payload) : [fields];
    },
  },
];

const root = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const validDraft = compile(leadDraftSchema);

describe.each(kinds)('$name mapping golden cases', (kind) => {
  const dir = join(root, kind.name);
  const cases = readdirSync(dir)
    .filter((f) => f.endsWith('.case.json'))
    .map((f) => f.slice(0, -'.case.json'.length))
    .sort();

  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s', async (name) => {
    const spec = JSON.parse(readFileSync(join(dir, `${name}.case.json`), 'utf8')) as GoldenCase;
    const parsed = await parseBody(readFileSync(join(dir, `${name}.body`)), 'application/json');
    const results = kind.events(parsed.fields).map((payload) =>
      kind.plugin.mapper({ channel: kind.channel, connectorId: 'golden', payload, meta: {}, receivedAt: spec.receivedAt }),
    );
    expect(results).toEqual(spec.expected);
    for (const result of results) if (result.kind === 'lead') expect(validDraft(result)).toBe(true);
  });
});

describe('mapper robustness', () => {
  const garbage: unknown[] = [{}, { update_id: 'x' }, { object: 'page', entry: 'nope' }, { update_id: 1, message: { text: 'no chat' } }, { entry: [{ changes: [{}] }] }];
  it.each(kinds)('$name ignores payloads that are not its wire format instead of throwing', (kind) => {
    for (const payload of garbage) {
      const result = kind.plugin.mapper({ channel: kind.channel, connectorId: 'golden', payload: payload as Record<string, unknown>, meta: {}, receivedAt: '2026-05-14T09:31:00.000Z' });
      expect(result.kind).toBe('ignore');
    }
  });
});
