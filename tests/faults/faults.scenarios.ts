import type { StubBehaviour } from '../../scripts/crm-stub.js';
import type { BrokerControl } from './faults.broker.js';
import type { Cluster } from './faults.cluster.js';
import type { PostgresControl } from './faults.postgres.js';

/** Durations of one run; short mode is the CI-sized one. */
export interface Timing {
  loadMs: number;
  ratePerSec: number;
  brokerDownMs: number;
  crmDownMs: number;
  crmThrottledMs: number;
  crmSlowMs: number;
}

export const timings: Record<'smoke' | 'short' | 'long', Timing> = {
  /** tests/e2e/faults-smoke.test.ts: gateway-kill and broker-stop inside `npm test`. */
  smoke: { loadMs: 10_000, ratePerSec: 10, brokerDownMs: 6_000, crmDownMs: 5_000, crmThrottledMs: 3_000, crmSlowMs: 3_000 },
  short: { loadMs: 20_000, ratePerSec: 25, brokerDownMs: 8_000, crmDownMs: 10_000, crmThrottledMs: 6_000, crmSlowMs: 6_000 },
  long: { loadMs: 90_000, ratePerSec: 40, brokerDownMs: 20_000, crmDownMs: 60_000, crmThrottledMs: 30_000, crmSlowMs: 30_000 },
};

export interface ScenarioContext {
  cluster: Cluster;
  broker: BrokerControl;
  /** The harness's private cluster, never the machine's shared one; absent in runs without postgres-restart. */
  postgres?: PostgresControl;
  crm: { behave(behaviour: StubBehaviour): void };
  timing: Timing;
  log(message: string): void;
}

/** A fault injected while the load runs; `inject` starts at `atFraction` of the load and may outlast it. */
export interface Scenario {
  name: string;
  description: string;
  atFraction: number;
  /** Set up before the load starts (e.g. extra instances); undone by `after`. */
  before?(ctx: ScenarioContext): Promise<void>;
  inject(ctx: ScenarioContext): Promise<void>;
  after?(ctx: ScenarioContext): Promise<void>;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const created: StubBehaviour = () => ({ status: 201, body: { id: `crm-${Math.random().toString(36).slice(2, 10)}` } });

async function crash(ctx: ScenarioContext, name: string, downMs = 2_000): Promise<void> {
  const instance = ctx.cluster.byName(name);
  ctx.log(`kill -9 ${name}`);
  await instance.stop('SIGKILL');
  await pause(downMs);
  await instance.start();
  ctx.log(`${name} restarted`);
}

async function brokerOutage(ctx: ScenarioContext): Promise<void> {
  ctx.log('Kafka broker: kill');
  await ctx.broker.kill();
  await pause(ctx.timing.brokerDownMs);
  await ctx.broker.restart();
  ctx.log('Kafka broker: back');
}

async function crmOutage(ctx: ScenarioContext): Promise<void> {
  const { crmDownMs, crmThrottledMs, crmSlowMs } = ctx.timing;
  ctx.log('CRM: down (503)');
  ctx.crm.behave(() => ({ status: 503, body: { error: 'down' } }));
  await pause(crmDownMs);
  ctx.log('CRM: 429 with Retry-After: 2');
  ctx.crm.behave(() => ({ status: 429, headers: { 'retry-after': '2' }, body: { error: 'slow down' } }));
  await pause(crmThrottledMs);
  ctx.log('CRM: slow (5 s per answer)');
  ctx.crm.behave((delivery, attempt) => ({ ...created(delivery, attempt), delayMs: 5_000 }));
  await pause(crmSlowMs);
  ctx.crm.behave(created);
  ctx.log('CRM: healthy');
}

export const scenarios: Scenario[] = [
  { name: 'gateway-kill', description: 'kill -9 of the gateway mid-load, restarted 2 s later (spool reopened)', atFraction: 0.3, inject: (ctx) => crash(ctx, 'gateway-1') },
  { name: 'normalizer-kill', description: 'kill -9 of the normalizer mid-load, restarted 2 s later', atFraction: 0.3, inject: (ctx) => crash(ctx, 'normalizer-1') },
  { name: 'router-kill', description: 'kill -9 of the router mid-load, restarted 2 s later', atFraction: 0.3, inject: (ctx) => crash(ctx, 'router-1') },
  { name: 'broker-stop', description: 'the Kafka broker killed, started again on its data after the outage', atFraction: 0.25, inject: brokerOutage },
  {
    name: 'postgres-restart',
    description: 'the private PostgreSQL cluster restarted (pg_ctl restart -m fast) mid-load',
    atFraction: 0.3,
    inject: async (ctx) => {
      if (!ctx.postgres) throw new Error('postgres-restart needs the private cluster (run it through scripts/faults.sh)');
      ctx.log('PostgreSQL: restart');
      await ctx.postgres.restart();
      ctx.log('PostgreSQL: back');
    },
  },
  { name: 'crm-outage', description: 'CRM down (503), then 429 with Retry-After, then answering in 5 s', atFraction: 0.2, inject: crmOutage },
  {
    name: 'rolling-restart',
    description: 'two normalizers and two routers in one consumer group, each restarted (SIGTERM, start) in turn',
    atFraction: 0.1,
    before: async (ctx) => {
      for (const name of ['normalizer-2', 'router-2']) await ctx.cluster.byName(name).start();
    },
    inject: async (ctx) => {
      for (const name of ['normalizer-1', 'normalizer-2', 'router-1', 'router-2']) {
        const instance = ctx.cluster.byName(name);
        ctx.log(`rolling: restart ${name}`);
        await instance.stop('SIGTERM');
        await instance.start();
        await pause(1_000);
      }
    },
    after: async (ctx) => {
      for (const name of ['normalizer-2', 'router-2']) await ctx.cluster.byName(name).stop('SIGTERM');
    },
  },
  {
    name: 'overlapping',
    description: 'gateway (while it spools) and router kill -9 during a broker outage, with the CRM throttling (429) throughout',
    atFraction: 0.25,
    inject: async (ctx) => {
      ctx.crm.behave(() => ({ status: 429, headers: { 'retry-after': '1' } }));
      await Promise.all([
        brokerOutage(ctx),
        (async () => {
          // Half-way into the outage the gateway has been spooling for a while: the kill tests the spool's durability too.
          await pause(Math.max(1_000, ctx.timing.brokerDownMs / 2));
          await Promise.all([crash(ctx, 'gateway-1', 3_000), crash(ctx, 'router-1', 2_000)]);
        })(),
      ]);
      ctx.crm.behave(created);
    },
  },
];
