import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { connectorPlugins } from '../../connectors/registry.js';
import type { ContactErasedV1, LeadV1 } from '../../contracts/lead.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { RecordingBus } from '../support/recording-bus.js';
import { runLeadgate, type CliResult } from '../support/leadgate-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/**
 * `leadgate replay` and `leadgate contacts erase` as an operator runs them: real OS processes (through
 * tsx) against a PostgreSQL store and the embedded bus in it, so what they publish lands in `bus_log`.
 */
const logger = pino({ level: 'silent' });

const leadgate = (args: string[]): Promise<CliResult> => runLeadgate(args);

const phone = '+79125550101';
const email = 'cli.person@example.com';
const name = 'Cli Person';
const secret = 'please call about the secret deal';

function formEvent(payload: Record<string, string>, receivedAt: string): { key: string; raw: RawEventV1 } {
  const eventId = randomUUID();
  const raw: RawEventV1 = { v: 1, id: randomUUID(), connector: { id: 'site', kind: 'forms' }, channel: 'form', receivedAt, providerEventId: eventId, payload, meta: { remoteIp: '198.51.100.7' } };
  return { key: `site:${eventId}`, raw };
}

describe('leadgate replay and contacts erase (CLI processes, PostgreSQL)', () => {
  let db: TestDatabase;
  let store: Store;
  let dir: string;
  let config: string;
  const t0 = Date.parse('2026-05-01T10:00:00Z');
  const at = (min: number): string => new Date(t0 + min * 60_000).toISOString();
  const range = ['--from', at(-1), '--to', at(60)];

  const count = async (sql: string, params: string[] = []): Promise<number> => Number((await store.query<{ n: string }>(sql, params))[0].n);
  const normalizedRecords = (): Promise<number> => count("select count(*)::text as n from bus_log where topic = $1 and headers->>'type' <> 'contact.erased'", [Topics.normalized]);

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ kind: 'postgres', url: db.url }, logger);
    dir = mkdtempSync(join(tmpdir(), 'leadgate-cli-'));
    config = join(dir, 'leadgate.yaml');
    writeFileSync(
      config,
      `store: { url: "${db.url}" }\nnormalizer: { defaultRegion: RU, mergeWindowMinutes: 1440 }\n` +
        `router: { owners: [{ id: a }], destination: { kind: webhook, url: "http://127.0.0.1:9/" } }\nconnectors:\n  - { id: site, kind: forms }\n`,
    );
    // The live pipeline's part: two requests of one person (linking phone and e-mail) and one of another.
    const bus = new RecordingBus();
    const normalizer = new Normalizer({ bus, store, plugins: connectorPlugins, metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 1440 });
    for (const [payload, min] of [
      [{ name, phone: '8 (912) 555-01-01', message: secret }, 0],
      [{ name, phone: '+7 912 555 01 01', email: email.toUpperCase() }, 5],
      [{ name: 'Other Person', phone: '+7 912 555 02 02' }, 10],
    ] as const) {
      const e = formEvent({ ...payload }, at(min));
      await normalizer.handle({ topic: Topics.raw, key: e.key, value: e.raw, headers: {}, offset: '0', partition: 0, timestamp: Date.now() });
    }
    expect(bus.records.filter((r) => r.topic === Topics.normalized)).toHaveLength(3);
    // A request a past mapper bug dead-lettered: stored as received, waiting for a replay.
    const lost = formEvent({ name: 'Lost Lead', phone: '+7 912 555 03 03' }, at(20));
    await store.query("insert into raw_events (event_key, event_id, connector_id, received_at, raw, outcome) values ($1, $2, 'site', $3, $4, 'dead_lettered: MAPPING_FAILED')", [
      lost.key,
      lost.raw.id,
      lost.raw.receivedAt,
      JSON.stringify(lost.raw),
    ]);
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('replay recovers the dead-lettered request once; a second replay creates no lead and publishes nothing', async () => {
    expect(await count('select count(*)::text as n from leads')).toBe(2);
    const first = await leadgate(['replay', ...range, '--config', config]);
    expect(first).toMatchObject({ code: 0 });
    expect(JSON.parse(first.stdout)).toMatchObject({ scanned: 4, recovered: 1, skipped: 3, stillFailing: 0 });
    expect(await count('select count(*)::text as n from leads')).toBe(3);
    expect(await normalizedRecords()).toBe(1);
    const [published] = await store.query<{ value: LeadV1 }>('select value from bus_log where topic = $1', [Topics.normalized]);
    expect(published.value).toMatchObject({ type: 'lead.created', contact: { phones: ['+79125550303'], isNew: true } });

    const second = await leadgate(['replay', ...range, '--config', config]);
    expect(second).toMatchObject({ code: 0 });
    expect(JSON.parse(second.stdout)).toMatchObject({ scanned: 4, recovered: 0, skipped: 4 });
    expect(await count('select count(*)::text as n from leads')).toBe(3);
    expect(await count('select count(*)::text as n from lead_activities')).toBe(4);
    expect(await normalizedRecords()).toBe(1);

    const other = await leadgate(['replay', ...range, '--connector', 'no-such-connector', '--config', config]);
    expect(JSON.parse(other.stdout)).toMatchObject({ scanned: 0 });
    expect((await leadgate(['replay', '--from', 'yesterday', '--to', at(60), '--config', config])).code).toBe(2);
  }, 180_000);

  test('contacts erase removes the person from the store, publishes contact.erased, and is idempotent', async () => {
    const [victim] = await store.query<{ contact_id: string }>("select contact_id from identities where kind = 'phone' and value = $1", [phone]);
    const before = await store.query<{ raw: string }>('select raw::text as raw from raw_events');
    expect(before.some((r) => r.raw.includes(secret))).toBe(true);

    const erased = await leadgate(['contacts', 'erase', '--phone', '8 912 555 01 01', '--config', config]);
    expect(erased).toMatchObject({ code: 0 });
    expect(JSON.parse(erased.stdout)).toMatchObject({ status: 'erased', contactId: victim.contact_id, identities: 2, rawEvents: 2 });

    const dump =
      JSON.stringify(await store.query('select r.raw, r.output from raw_events r join lead_activities a on a.event_key = r.event_key join leads l on l.id = a.lead_id where l.contact_id = $1', [victim.contact_id])) +
      JSON.stringify(await store.query('select c.name, i.value from contacts c left join identities i on i.contact_id = c.id where c.id = $1', [victim.contact_id]));
    expect(dump).toContain('"erased":true');
    for (const pii of [phone, '555-01-01', email, email.toUpperCase(), name, secret, '198.51.100.7']) expect(dump).not.toContain(pii);
    expect(await count('select count(*)::text as n from erased_identities where contact_id = $1', [victim.contact_id])).toBe(2);
    // The other person is untouched.
    expect(await count("select count(*)::text as n from identities where value = '+79125550202'")).toBe(1);
    expect(JSON.stringify(await store.query('select raw from raw_events'))).toContain('Other Person');

    const announced = await store.query<{ key: string; value: ContactErasedV1 }>("select key, value from bus_log where topic = $1 and headers->>'type' = 'contact.erased'", [Topics.normalized]);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ key: victim.contact_id, value: { type: 'contact.erased', contactId: victim.contact_id, mergedContactIds: [] } });
    expect(announced[0].value.leadIds).toHaveLength(1);

    const again = await leadgate(['contacts', 'erase', '--email', ` ${email.toUpperCase()} `, '--config', config]);
    expect(again).toMatchObject({ code: 0 });
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'already_erased', contactId: victim.contact_id });

    expect((await leadgate(['contacts', 'erase', '--email', 'nobody@example.com', '--config', config])).code).toBe(1);
    expect((await leadgate(['contacts', 'erase', '--config', config])).code).toBe(2);
    expect((await leadgate(['contacts', 'erase', '--phone', phone, '--email', email, '--config', config])).code).toBe(2);
  }, 180_000);
});
