import type { Channel } from '../../contracts/raw-event.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { telegramConnector } from '../../connectors/telegram/telegram.connector.js';
import { whatsappConnector } from '../../connectors/whatsapp/whatsapp.connector.js';

/** The golden cases of both messengers run in channel-golden.test.ts; this file keeps the robustness check. */
interface Kind {
  name: string;
  channel: Channel;
  plugin: ConnectorPlugin;
}

const kinds: Kind[] = [
  { name: 'telegram', channel: 'telegram', plugin: telegramConnector },
  { name: 'whatsapp', channel: 'whatsapp', plugin: whatsappConnector },
];

describe('mapper robustness', () => {
  const garbage: unknown[] = [{}, { update_id: 'x' }, { object: 'page', entry: 'nope' }, { update_id: 1, message: { text: 'no chat' } }, { entry: [{ changes: [{}] }] }];
  it.each(kinds)('$name ignores payloads that are not its wire format instead of throwing', (kind) => {
    for (const payload of garbage) {
      const result = kind.plugin.mapper({ channel: kind.channel, connectorId: 'golden', payload: payload as Record<string, unknown>, meta: {}, receivedAt: '2026-05-14T09:31:00.000Z' });
      expect(result.kind).toBe('ignore');
    }
  });
});
