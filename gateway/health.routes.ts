import { Router, type RequestHandler } from 'express';
import { metricsHandler } from '../platform/telemetry/metrics.endpoint.js';
import type { Bus } from '../platform/bus/bus.port.js';
import type { Store } from '../platform/store/store.port.js';
import type { Metrics } from '../platform/telemetry/metrics.js';

export interface IngressHealth {
  healthy: boolean;
  reason?: string;
}

export interface HealthDeps {
  bus: Bus;
  store: Store;
  metrics: Metrics;
  ingressHealth: () => Record<string, IngressHealth>;
  /** A hung bus or store must not hang the probe: a slow answer counts as not ready. */
  probeTimeoutMs?: number;
  /** `false`: /metrics is served on its own port instead; a handler: a guard (token) in front of it. */
  metricsAccess?: false | RequestHandler;
}

async function probe(check: () => Promise<boolean>, timeoutMs: number): Promise<{ ok: boolean; reason?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const answer = check().then(
      (ok) => (ok ? { ok } : { ok, reason: 'not ready' }),
      (err: unknown) => ({ ok: false, reason: err instanceof Error ? err.message : 'check failed' }),
    );
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/health` is liveness (the process answers), `/ready` is readiness (it can take traffic now).
 * Keeping them apart stops an orchestrator from restarting a healthy process just because Kafka blinked.
 */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  const timeoutMs = deps.probeTimeoutMs ?? 2000;

  router.get('/health', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    const [bus, store] = await Promise.all([probe(() => deps.bus.ready(), timeoutMs), probe(() => deps.store.ready(), timeoutMs)]);
    const connectors = deps.ingressHealth();
    const failing = [
      ...(bus.ok ? [] : ['bus']),
      ...(store.ok ? [] : ['store']),
      ...Object.entries(connectors)
        .filter(([, h]) => !h.healthy)
        .map(([id]) => `connector:${id}`),
    ];
    const checks = {
      bus: bus.ok ? { ok: true } : { ok: false, reason: bus.reason },
      store: store.ok ? { ok: true } : { ok: false, reason: store.reason },
      connectors,
    };
    if (failing.length === 0) res.status(200).json({ status: 'ready', checks });
    else res.status(503).json({ status: 'not_ready', failing, checks });
  });

  if (deps.metricsAccess !== false) router.get('/metrics', ...(deps.metricsAccess ? [deps.metricsAccess] : []), metricsHandler(deps.metrics));

  return router;
}
