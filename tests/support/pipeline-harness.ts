import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { buildConfig } from '../../config/config.loader.js';
import type { LeadgateConfig } from '../../config/config.types.js';
import { startPipeline, type Role, type RunningPipeline } from '../../bin/pipeline.js';
import { createTestDatabase } from './postgres.js';

export type Backend = 'embedded' | 'kafka';

export function kafkaBrokers(): string {
  const brokers = process.env.LEADGATE_TEST_KAFKA_BROKERS ?? process.env.LEADGATE_KAFKA_BROKERS;
  if (!brokers) throw new Error('No Kafka broker for the tests: run them through `npm test` (scripts/test.sh starts one) or set LEADGATE_TEST_KAFKA_BROKERS');
  return brokers;
}

export interface TestEnvironment {
  backend: Backend;
  /** Raw config input shared by every instance of this environment. */
  input: Record<string, unknown>;
  start(roles?: Role[], overrides?: Record<string, unknown>): Promise<RunningPipeline>;
  cleanup(): Promise<void>;
}

function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
      ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

/**
 * One isolated Leadgate installation for a test: on `embedded`, a fresh PGlite directory; on `kafka`,
 * the real broker with a unique topic namespace and a fresh PostgreSQL database. `start` may be called
 * several times (e.g. two normalizer instances sharing one consumer group). `options.logger` replaces the
 * default silent logger, for tests that assert on what gets logged.
 */
export async function createTestEnvironment(backend: Backend, input: Record<string, unknown>, options: { logger?: Logger } = {}): Promise<TestEnvironment> {
  const cleanups: (() => Promise<void>)[] = [];
  let base: Record<string, unknown>;
  if (backend === 'embedded') {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-e2e-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    base = { store: { dataDir } };
  } else {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    base = { store: { url: db.url }, bus: { namespace: `t${randomUUID().slice(0, 8)}`, kafka: { brokers: kafkaBrokers().split(','), partitions: 4 } } };
  }
  const shared = merge(merge({ server: { port: 0, host: '127.0.0.1' } }, base), input);
  const running: RunningPipeline[] = [];
  return {
    backend,
    input: shared,
    async start(roles = ['gateway', 'normalizer', 'router'], overrides = {}) {
      const config: LeadgateConfig = buildConfig(merge(shared, overrides), {});
      const logger = options.logger ?? pino({ level: process.env.LEADGATE_TEST_LOG_LEVEL ?? 'silent' });
      const pipeline = await startPipeline(config, roles, logger);
      running.push(pipeline);
      return pipeline;
    },
    async cleanup() {
      await Promise.all(running.map((p) => p.close()));
      for (const c of cleanups.reverse()) await c();
    },
  };
}

export async function postForm(port: number, connectorId: string, body: Record<string, string>, query = ''): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/hooks/${connectorId}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
}
