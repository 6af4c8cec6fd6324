import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Delivery } from '../../contracts/delivery.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { describeErrors, compile } from '../../platform/validation.js';
import { Deliverer } from '../../router/deliverer.js';
import { DeliveryLedger } from '../../router/delivery.ledger.js';
import { createDestination, rateLimitOf } from '../../router/destinations/destination.factory.js';
import { destinationKinds, destinationSecretPaths, type DestinationRegistry } from '../../router/destinations/destination.registry.js';
import { destinationSchemaOf } from '../../router/destinations/destination.schema.js';
import { describeDestinationConformance } from '../support/destination-conformance.js';
import { sampleLead } from '../support/destination-golden.js';
import { RecordingBus } from '../support/recording-bus.js';
import { echoCrmKind } from '../fixtures/example-destinations/echo-crm/echo-crm.kind.js';

/**
 * A new CRM is one folder plus one registry line: the example kind in tests/fixtures/example-destinations/
 * echo-crm is registered below and nowhere else, then validated, built and delivered to end to end
 * (schema → factory → resilience → deliverer → ledger → the CRM over HTTP), and held to the same
 * conformance suite as the built-in kinds.
 */

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const folder = join(here, '../fixtures/example-destinations/echo-crm');

// The one registry line.
const registry: DestinationRegistry = [...destinationKinds, echoCrmKind];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('adding a destination kind through the registry', () => {
  test('touches one folder and one line: no file outside the folder names the kind except this registration', () => {
    const sources = ['router', 'config', 'bin', 'docs', 'tests', 'contracts', 'platform'].flatMap((d) => filesUnder(join(repo, d)));
    const naming = sources.filter((f) => !f.startsWith(folder) && readFileSync(f, 'utf8').includes('echo-crm')).map((f) => relative(repo, f));
    // docs/extending.md uses it as the worked example; nothing in code had to change for it.
    expect(naming.sort()).toEqual(['docs/extending.md', 'tests/unit/destination-extension.test.ts']);
    const registration = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => /^const \w+: DestinationRegistry = \[/.test(l));
    expect(registration).toEqual(['const registry: DestinationRegistry = [...destinationKinds, echoCrmKind];']);
    expect(new Set(filesUnder(folder).map((f) => dirname(f))).size).toBe(1);
  });

  test('its schema joins router.destination: defaults filled, bad settings refused with the key and why', () => {
    const validate = compile(destinationSchemaOf(registry));
    const ok: Record<string, unknown> = { kind: 'echo-crm', 'echo-crm': { url: 'http://crm.example/records', apiKey: 'k-12345678' } };
    expect(validate(ok)).toBe(true);
    expect(ok).toMatchObject({ id: 'crm', timeoutMs: 10000, 'echo-crm': { priority: 3 } });
    expect(validate({ kind: 'echo-crm' })).toBe(false);
    expect(describeErrors(validate.errors)).toContain("/: must have required property 'echo-crm'");
    expect(validate({ kind: 'echo-crm', 'echo-crm': { url: 'ftp://x', apiKey: 'short' } })).toBe(false);
    expect(describeErrors(validate.errors).join('\n')).toMatch(/echo-crm\/url.*pattern[\s\S]*echo-crm\/apiKey/);
    expect(validate({ kind: 'webhook', url: 'http://x/', 'echo-crm': { url: 'http://x/', apiKey: 'k-12345678' } })).toBe(false);
    expect(destinationSecretPaths(registry)).toContain('echo-crm.apiKey');
    // The built-in schema does not know it.
    expect(compile(destinationSchemaOf(destinationKinds))(ok)).toBe(false);
  });

  describe('a lead delivered end to end', () => {
    let store: Store;
    beforeAll(async () => {
      store = await openStore({ kind: 'embedded' }, pino({ level: 'silent' }));
    });
    afterAll(async () => store.close());

    test('the factory builds it with its declared rate limit; the deliverer records it delivered', async () => {
      const received: { headers: IncomingMessage['headers']; body: unknown }[] = [];
      const crm = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'echo-7' }));
        });
      });
      await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/records`;
        const config: Record<string, unknown> = { id: 'echo', kind: 'echo-crm', ownerMap: { anna: 'u-1' }, 'echo-crm': { url, apiKey: 'k-12345678' } };
        expect(compile(destinationSchemaOf(registry))(config)).toBe(true);
        const metrics = new Metrics({ defaultMetrics: false });
        const logger = pino({ level: 'silent' });
        const destination = await createDestination(config as never, { store, metrics, logger, registry });
        expect(rateLimitOf(config as never, registry)).toEqual({ perSecond: 20, burst: 5 });
        const ledger = new DeliveryLedger(store);
        const bus = new RecordingBus();
        const deliverer = new Deliverer({ bus, ledger, destination, metrics, logger, policy: { attempts: 2, initialMs: 1, maxMs: 5 } });
        const delivery: Delivery = { kind: 'lead.create', idempotencyKey: 'lead:L1', ownerId: 'anna', lead: sampleLead };
        await deliverer.deliver(delivery);
        expect(await ledger.status('echo', 'lead:L1')).toBe('delivered');
        expect(received).toHaveLength(1);
        expect(received[0]?.headers['x-api-key']).toBe('k-12345678');
        expect(received[0]?.headers['idempotency-key']).toBe('lead:L1');
        expect(received[0]?.body).toEqual({ key: 'lead:L1', name: 'Ivan Petrov', phone: '+79161234567', owner: 'u-1', priority: 3 });
        const [row] = await store.query<{ external_id: string }>('select external_id from deliveries where destination = $1', ['echo']);
        expect(row?.external_id).toBe('echo-7');
        expect(bus.records).toEqual([]);
      } finally {
        await new Promise((resolve) => crm.close(resolve));
      }
    });
  });
});

describeDestinationConformance(registry, [echoCrmKind], join(here, '../fixtures/example-destinations'));
