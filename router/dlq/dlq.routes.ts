import express, { Router, type Request } from 'express';
import { requireAdminToken, type OperatorToken } from '../../platform/http/admin-auth.js';
import { LeadgateError } from '../../contracts/errors.js';
import type { DeadLetterIndex } from './dead-letter.index.js';
import type { DeadLetterReplayer, ReplaySelection } from './dlq.replayer.js';

/** A string query/body value, or undefined. */
function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function since(value: unknown): string | undefined {
  const s = str(value);
  if (s !== undefined && Number.isNaN(Date.parse(s))) throw new LeadgateError('BAD_REQUEST', `since must be an ISO-8601 time, got "${s}"`);
  return s;
}

function id(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new LeadgateError('BAD_REQUEST', `id must be a positive integer, got "${String(value)}"`);
  return n;
}

/**
 * The DLQ admin API, mounted at `/v1/admin/dlq` behind the admin token:
 * `GET /?destination=&since=&all=1&limit=` lists (unreplayed only unless `all`), `GET /:id` shows one,
 * `POST /replay {id | destination | since}` replays (a selector is required: no accidental "replay all").
 */
export function createDlqAdminRouter(deps: { index: DeadLetterIndex; replayer: DeadLetterReplayer; adminToken: string | undefined; operators?: readonly OperatorToken[] }): Router {
  const router = Router();
  router.use(requireAdminToken(deps.adminToken, deps.operators));
  router.use(express.json({ limit: '16kb' }));

  router.get('/', async (req: Request, res) => {
    const limit = id(req.query.limit);
    const items = await deps.index.list({
      ...(str(req.query.destination) ? { destination: str(req.query.destination) } : {}),
      ...(since(req.query.since) ? { since: since(req.query.since) } : {}),
      includeReplayed: req.query.all === '1' || req.query.all === 'true',
      ...(limit ? { limit } : {}),
    });
    res.json({ items });
  });

  router.get('/:id', async (req: Request, res) => {
    const entry = await deps.index.get(id(req.params.id) ?? 0);
    if (!entry) throw new LeadgateError('NOT_FOUND', `No dead letter ${String(req.params.id)}`);
    res.json(entry);
  });

  router.post('/replay', async (req: Request, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const selection: ReplaySelection = {
      ...(id(body.id) !== undefined ? { id: id(body.id) } : {}),
      ...(str(body.destination) ? { destination: str(body.destination) } : {}),
      ...(since(body.since) ? { since: since(body.since) } : {}),
    };
    if (selection.id === undefined && !selection.destination && !selection.since) {
      throw new LeadgateError('BAD_REQUEST', 'replay needs id, destination or since');
    }
    const replayed = await deps.replayer.replay(selection);
    res.json({ replayed });
  });
  return router;
}
