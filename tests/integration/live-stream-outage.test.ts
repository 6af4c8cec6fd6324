import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { LiveEvent } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import { LiveStream } from '../../gateway/stream/live-stream.service.js';
import type { Bus } from '../../platform/bus/bus.port.js';
import { createLogBus } from '../../platform/bus/log-bus.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { connectStream } from '../support/live-stream-client.js';

const token = 'outage-stream-token';
const logger = pino({ level: 'silent' });

describe('live stream while the bus refuses subscriptions', () => {
  let store: Store;
  let server: Server;

  beforeAll(async () => {
    store = await openStore({ kind: 'embedded' }, logger);
    server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  test('start succeeds anyway, accepts clients, and pushes events once a later subscribe works', async () => {
    const bus = createLogBus(store, { logger, pollIntervalMs: 50 });
    let refusals = 2;
    // The bus as a gateway sees it while Kafka is down: publishes spool elsewhere, subscribing fails.
    const flaky: Bus = {
      ...bus,
      subscribe: (...args) => (refusals-- > 0 ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9092')) : bus.subscribe(...args)),
    };
    const stream = new LiveStream({
      bus: flaky,
      token,
      settings: { heartbeatMs: 30_000, maxClients: 10, maxBufferedBytes: 1 << 20, maxEventAgeMs: 60_000 },
      metrics: new Metrics({ defaultMetrics: false }),
      logger,
    });
    try {
      await stream.start(server);
      const client = await connectStream((server.address() as AddressInfo).port, { token });
      const deadline = Date.now() + 30_000;
      // Publish until one arrives: events published before the retried subscribe took hold are not pushed.
      let n = 0;
      while (client.events.length === 0) {
        if (Date.now() > deadline) throw new Error('no event reached the client after the bus recovered');
        const event: LiveEvent = { v: 1, type: 'lead.created', at: new Date().toISOString(), ownerId: 'anna', leadId: `lead-${n++}`, data: {} };
        await bus.publish(Topics.events, 'anna', event, { type: event.type });
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(refusals).toBeLessThan(0);
      expect(client.events[0]).toMatchObject({ type: 'lead.created', ownerId: 'anna' });
      client.close();
    } finally {
      await stream.stop();
      await bus.close();
    }
  });
});
