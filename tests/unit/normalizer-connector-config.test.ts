import pino from 'pino';
import { connectorPlugins } from '../../connectors/registry.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { RecordingBus, StubStore } from '../support/recording-bus.js';

/** The normalizer hands each connector instance's settings to its mapper and its region to the cleaner. */
describe('normalizer and connector instance settings', () => {
  const normalizer = new Normalizer({
    bus: new RecordingBus(),
    store: new StubStore(),
    plugins: connectorPlugins,
    metrics: new Metrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    defaultRegion: 'RU',
    mergeWindowMinutes: 60,
    connectors: [
      { id: 'berlin', kind: 'forms', defaultRegion: 'DE', honeypotField: 'website' },
      { id: 'moscow', kind: 'forms', honeypotField: 'lg_hp' },
    ],
  });

  const raw = (connectorId: string, payload: Record<string, unknown>): RawEventV1 => ({
    v: 1,
    id: `ev-${connectorId}`,
    connector: { id: connectorId, kind: 'forms' },
    channel: 'form',
    receivedAt: '2026-05-14T09:31:00.000Z',
    payload,
    // No ingress flag, as for an event stored before the flag was set: the payload alone must tell.
    meta: {},
  });

  test("a filled custom honeypot is spam by the instance's own field name", () => {
    const mapped = normalizer.map(raw('berlin', { name: 'Bot', phone: '030 12345678', website: 'http://spam.example' }));
    expect(mapped).toMatchObject({ kind: 'lead', draft: { spam: true } });
    const other = normalizer.map(raw('moscow', { name: 'Anna', phone: '030 12345678', website: 'https://anna.example' }));
    expect(other).toMatchObject({ kind: 'lead', draft: { fields: { website: 'https://anna.example' } } });
    expect(other.kind === 'lead' && other.draft.spam).toBeFalsy();
  });

  test("an instance's defaultRegion replaces the installation's, other rules kept", () => {
    expect(normalizer.normalizationFor('berlin').defaultRegion).toBe('DE');
    expect(normalizer.normalizationFor('moscow').defaultRegion).toBe('RU');
    expect(normalizer.normalizationFor('unknown').defaultRegion).toBe('RU');
  });
});
