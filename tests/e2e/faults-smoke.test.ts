/**
 * A CI-sized cut of the fault run (`npm run faults:short` is the full one): the gateway killed with -9
 * mid-load, then a Kafka broker outage, with real role processes, the CRM stub and retrying providers.
 * Fails when anything acknowledged was lost or doubled, when a role crashed on its own, or when the
 * gateway turned providers away during the outage instead of spooling.
 *
 * The outage hits a broker of its own on free ports (scripts/kafka.sh), never the shared one the other
 * suites use; the database is a fresh one on the test PostgreSQL, which this test does not restart.
 */
import { startPrivateBroker, type PrivateBroker } from '../faults/faults.broker.js';
import { runFaults } from '../faults/faults.run.js';
import { scenarios, timings } from '../faults/faults.scenarios.js';

const started = Date.now();
const log = (message: string): void => void process.stdout.write(`[faults-smoke +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

describe('fault smoke: gateway kill -9 and a broker outage (private broker)', () => {
  let broker: PrivateBroker | undefined;

  beforeAll(async () => {
    broker = await startPrivateBroker();
    log(`private broker on ${broker.brokers}`);
  }, 240_000);

  afterAll(async () => {
    await broker?.stop();
  }, 120_000);

  test('nothing acknowledged is lost or doubled, and the outage is spooled, not refused', async () => {
    if (!broker) throw new Error('no private broker');
    const result = await runFaults({
      label: 'smoke',
      timing: timings.smoke,
      scenarios: scenarios.filter((s) => s.name === 'gateway-kill' || s.name === 'broker-stop'),
      broker,
      patienceMs: 120_000,
      log,
    });
    log(`\n${result.report}`);
    const { total } = result;
    const brokerStop = result.figures.find((f) => f.scenario === 'broker-stop');
    expect(total.acknowledged).toBeGreaterThan(0);
    expect({ lost: total.lost, duplicated: total.duplicated, evidence: total.evidence }).toEqual({ lost: 0, duplicated: 0, evidence: [] });
    expect(result.crashes.map((c) => `${c.name} during ${c.scenario}`)).toEqual([]);
    // The spool answers 2xx while Kafka is down; a 503 here means the gateway refused instead of spooling.
    expect(brokerStop?.rejected).toBe(0);
  }, 900_000);
});
