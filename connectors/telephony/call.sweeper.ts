import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import { CallTracker } from './call-tracker.store.js';
import type { TelephonyPayload } from './call.model.js';
import type { TelephonyConfig } from './telephony.config.js';

const BATCH = 100;
const PRUNE_AFTER_MS = 7 * 24 * 3600 * 1000;

export interface CallSweeper extends RunningIngress {
  /** One pass: publish a synthetic close for each stale call, then mark it swept. Returns how many were closed. */
  sweepOnce(now?: Date): Promise<number>;
}

/** The provider event id of a sweep close: the same on every gateway, so concurrent sweeps dedupe on the raw key. */
export const sweptEventId = (callId: string): string => `${callId}:swept`;

/**
 * Closes calls whose end event never came. Runs in every gateway; several gateways may sweep the same
 * call, which is safe because they publish the same raw-event key. The row is marked swept only after the
 * publish resolved: a crash in between means one more (deduplicated) publish, never a lost close.
 */
export function createCallSweeper(ctx: ConnectorContext<TelephonyConfig>): CallSweeper {
  const { timeoutSeconds, intervalSeconds } = ctx.config.sweeper;
  const tracker = new CallTracker(ctx.store, ctx.config.id);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;
  let lastError: string | undefined;

  const sweep = async (now: Date): Promise<number> => {
    let closed = 0;
    const stale = await tracker.findStale(new Date(now.getTime() - timeoutSeconds * 1000), BATCH);
    for (const call of stale) {
      if (stopped) break;
      const payload: TelephonyPayload = {
        provider: call.last.provider,
        route: 'sweeper',
        body: {},
        sweep: {
          callId: call.callId,
          startedAt: call.startedAt,
          ...(call.answeredAt ? { answeredAt: call.answeredAt } : {}),
          timeoutSeconds,
          last: call.last,
        },
      };
      await ctx.ingest({ providerEventId: sweptEventId(call.callId), payload: payload as unknown as Record<string, unknown>, meta: { flags: ['swept'] } });
      await tracker.markSwept(call.callId, now);
      closed++;
    }
    await tracker.prune(new Date(now.getTime() - PRUNE_AFTER_MS));
    return closed;
  };

  const sweepOnce = (now = new Date()): Promise<number> => {
    // One pass at a time per gateway: an overlapping pass would only publish the same closes twice.
    running ??= sweep(now).finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = (): void => {
    sweepOnce().then(
      (closed) => {
        lastError = undefined;
        if (closed > 0) ctx.logger.debug({ event: 'telephony.swept', closed }, 'open calls closed by the sweeper');
      },
      (err: unknown) => {
        lastError = err instanceof Error ? err.message : 'sweep failed';
        ctx.logger.warn({ err, event: 'telephony.sweep_failed' }, 'call sweep failed; retried next interval');
      },
    );
  };

  if (timeoutSeconds > 0) {
    timer = setInterval(tick, intervalSeconds * 1000);
    timer.unref();
  }

  return {
    sweepOnce,
    health: () => (lastError ? { healthy: true, reason: `last sweep failed: ${lastError}` } : { healthy: true }),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
