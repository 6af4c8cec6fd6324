import pino from 'pino';
import type { Delivery } from '../../contracts/delivery.js';
import { LeadgateError } from '../../contracts/errors.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import type { DeliveryReceipt, Destination, ParkRequest } from '../../router/destinations/destination.port.js';
import type { ParkingState, ParkState } from '../../router/resilience/destination-parking.js';
import { ResilientDestination } from '../../router/resilience/resilient.destination.js';
import { TokenBucket } from '../../router/resilience/token-bucket.js';

class MemoryParking implements ParkingState {
  state: ParkState = { destination: 'crm', parked: false };
  async get(): Promise<ParkState> {
    return this.state.untilMs !== undefined && this.state.untilMs <= Date.now() ? { destination: 'crm', parked: false } : this.state;
  }
  async park(destination: string, request: ParkRequest): Promise<ParkState> {
    this.state = { destination, parked: true, reason: request.reason, code: request.code, ...(request.untilMs !== undefined ? { untilMs: request.untilMs } : {}) };
    return this.state;
  }
}

/** A destination whose next answers a test scripts; counts every call that reached it. */
class ScriptedDestination implements Destination {
  readonly id = 'crm';
  calls: number[] = [];
  next: (() => DeliveryReceipt) | undefined;
  async send(): Promise<DeliveryReceipt> {
    this.calls.push(Date.now());
    return this.next ? this.next() : { status: 200 };
  }
}

const delivery = { kind: 'lead.create', idempotencyKey: 'lead:1', ownerId: 'o', lead: {} } as unknown as Delivery;
const down = (): never => {
  throw new LeadgateError('DESTINATION_UNAVAILABLE', 'crm: 503');
};

function wrap(inner: Destination, options: { perSecond?: number; burst?: number; failures?: number; halfOpenAfterMs?: number; parking?: ParkingState } = {}): { dest: ResilientDestination; metrics: Metrics } {
  const metrics = new Metrics({ defaultMetrics: false });
  const dest = new ResilientDestination(inner, {
    ...(options.perSecond ? { rateLimit: { perSecond: options.perSecond, burst: options.burst ?? 1 } } : {}),
    circuitBreaker: { consecutiveFailures: options.failures ?? 3, halfOpenAfterMs: options.halfOpenAfterMs ?? 200 },
    parking: options.parking ?? new MemoryParking(),
    metrics,
    logger: pino({ level: 'silent' }),
    parkRecheckMs: 1_000,
  });
  return { dest, metrics };
}

async function errorOf(p: Promise<unknown>): Promise<LeadgateError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LeadgateError);
  return err as LeadgateError;
}

describe('token bucket', () => {
  test('a burst passes at once, then reservations are spaced 1/perSecond apart (counted on a fake clock)', () => {
    let now = 0;
    const bucket = new TokenBucket(5, 2, () => now);
    const waits = Array.from({ length: 7 }, () => bucket.reserve());
    expect(waits).toEqual([0, 0, 200, 400, 600, 800, 1000]);
    now = 2_000; // the queue is worked off and the bucket refills to its burst, never beyond
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 200]);
  });

  test('the wrapper spaces real sends: 11 concurrent sends at 20/s burst 1 take at least 10 intervals', async () => {
    const inner = new ScriptedDestination();
    const { dest } = wrap(inner, { perSecond: 20, burst: 1 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 11 }, () => dest.send(delivery)));
    expect(inner.calls).toHaveLength(11);
    // Counting: by any time t after the start, at most 1 + t/50 ms sends reached the CRM (a late timer
    // only makes sends later, never earlier, so this bound holds on a loaded machine too).
    inner.calls.forEach((t, i) => expect(i).toBeLessThanOrEqual(1 + Math.floor((t - started + 2) / 50)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(10 * 50 - 5);
  });
});

describe('circuit breaker', () => {
  test('opens after consecutive retriable failures, refuses without calling the CRM, then lets one probe through', async () => {
    const inner = new ScriptedDestination();
    inner.next = down;
    const { dest, metrics } = wrap(inner, { failures: 3, halfOpenAfterMs: 200 });
    for (let i = 0; i < 3; i++) expect((await errorOf(dest.send(delivery))).details.breakerOpen).toBeUndefined();
    const refused = await errorOf(dest.send(delivery));
    expect([refused.code, refused.retriable, refused.details.breakerOpen, refused.details.retryAfterMs]).toEqual(['DESTINATION_UNAVAILABLE', true, true, 200]);
    expect(inner.calls).toHaveLength(3);
    expect((await metrics.destinationBreakerState.get()).values[0]?.value).toBe(1);

    await new Promise((r) => setTimeout(r, 250));
    inner.next = undefined; // the CRM is back: the half-open probe succeeds and closes the breaker
    await dest.send(delivery);
    await dest.send(delivery);
    expect(inner.calls).toHaveLength(5);
    expect((await metrics.destinationBreakerState.get()).values[0]?.value).toBe(0);
  });

  test('a failed half-open probe opens it again; permanent rejections never count', async () => {
    const inner = new ScriptedDestination();
    inner.next = () => {
      throw new LeadgateError('DESTINATION_REJECTED', 'crm: 400');
    };
    const { dest } = wrap(inner, { failures: 2, halfOpenAfterMs: 100 });
    for (let i = 0; i < 4; i++) expect((await errorOf(dest.send(delivery))).code).toBe('DESTINATION_REJECTED');
    inner.next = down;
    await errorOf(dest.send(delivery));
    await errorOf(dest.send(delivery));
    expect((await errorOf(dest.send(delivery))).details.breakerOpen).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect((await errorOf(dest.send(delivery))).details.breakerOpen).toBeUndefined(); // the probe reached the CRM and failed
    expect((await errorOf(dest.send(delivery))).details.breakerOpen).toBe(true);
    expect(inner.calls).toHaveLength(7);
  });
});

describe('parked destination', () => {
  test('a park request (manual block) parks it: later sends reach nothing and stay retriable until resumed', async () => {
    const inner = new ScriptedDestination();
    const parking = new MemoryParking();
    inner.next = () => {
      throw new LeadgateError('DESTINATION_UNAVAILABLE', 'crm: OVERLOAD_LIMIT', { details: { park: { code: 'OVERLOAD_LIMIT', reason: 'manual block' } } });
    };
    const { dest, metrics } = wrap(inner, { parking, failures: 1 });
    const first = await errorOf(dest.send(delivery));
    expect([first.retriable, first.details.parked, first.details.retryAfterMs]).toEqual([true, true, 1_000]);
    inner.next = undefined;
    for (let i = 0; i < 5; i++) expect((await errorOf(dest.send(delivery))).details.parked).toBe(true);
    expect(inner.calls).toHaveLength(1);
    const parkedGauge = (await metrics.destinationParked.get()).values.find((v) => v.labels.code === 'OVERLOAD_LIMIT');
    expect(parkedGauge?.value).toBe(1);
    // A park is not a breaker failure: resuming sends at once.
    parking.state = { destination: 'crm', parked: false };
    await dest.send(delivery);
    expect(inner.calls).toHaveLength(2);
  });

  test('a park with a reset time (HubSpot DAILY) lifts by itself', async () => {
    const inner = new ScriptedDestination();
    const parking = new MemoryParking();
    await parking.park('crm', { code: 'DAILY', reason: 'daily cap', untilMs: Date.now() + 150 });
    const { dest } = wrap(inner, { parking });
    expect((await errorOf(dest.send(delivery))).details.retryAfterMs).toBeLessThanOrEqual(150);
    await new Promise((r) => setTimeout(r, 200));
    await dest.send(delivery);
    expect(inner.calls).toHaveLength(1);
  });
});
