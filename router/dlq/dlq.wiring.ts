import type { OperatorToken } from '../../platform/http/admin-auth.js';
import type { Logger } from 'pino';
import type { ExtraRouter } from '../../platform/http/extra-router.js';
import type { Bus } from '../../platform/bus/bus.port.js';
import type { Store } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { DestinationParking } from '../resilience/destination-parking.js';
import { createDestinationAdminRouter } from '../resilience/destination-admin.routes.js';
import { DeadLetterIndex } from './dead-letter.index.js';
import { DeadLetterRecorder } from './dlq.consumer.js';
import { DeadLetterReplayer } from './dlq.replayer.js';
import { createDlqAdminRouter } from './dlq.routes.js';

/** Starts the DLQ index consumer (router role); returns its stop (bounded by the optional deadline). */
export async function startDlqRecorder(deps: { bus: Bus; store: Store; metrics: Metrics; logger: Logger }): Promise<(deadline?: AbortSignal) => Promise<void>> {
  const recorder = new DeadLetterRecorder({ bus: deps.bus, index: new DeadLetterIndex(deps.store), metrics: deps.metrics, logger: deps.logger });
  await recorder.start();
  return (deadline) => recorder.stop(deadline);
}

/** The admin routers for the gateway: `/v1/admin/dlq` and `/v1/admin/destinations`, both behind the admin token. */
export function createDlqAdminRouters(deps: { bus: Bus; store: Store; logger: Logger; adminToken: string | undefined; operators?: readonly OperatorToken[] }): ExtraRouter[] {
  const index = new DeadLetterIndex(deps.store);
  const replayer = new DeadLetterReplayer({ bus: deps.bus, index, logger: deps.logger });
  return [
    { path: '/v1/admin/dlq', router: createDlqAdminRouter({ index, replayer, adminToken: deps.adminToken, operators: deps.operators ?? [] }) },
    { path: '/v1/admin/destinations', router: createDestinationAdminRouter({ parking: new DestinationParking(deps.store), adminToken: deps.adminToken, operators: deps.operators ?? [] }) },
  ];
}
