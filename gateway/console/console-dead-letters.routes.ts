import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import type { SqlParam, Store } from '../../platform/store/store.port.js';
import { principalOf } from '../../platform/http/admin-auth.js';
import { maskPersonalData } from '../../platform/telemetry/pii-mask.js';

type LetterRow = {
  id: string | number;
  stage: string;
  destination: string | null;
  key: string;
  code: string;
  reason: string;
  response: unknown;
  record: unknown;
  connector: string | null;
  failed_at: Date | string;
  created_at: Date | string;
  replayed_at: Date | string | null;
  replay_count: number;
};

// Where the connector id sits in each kind of letter: a delivery envelope, a raw event, a Lead v1.
const connectorOf = `coalesce(record #>> '{lead,connectorId}', record #>> '{connector,id}', record ->> 'connectorId')`;
const text = /^[\w.:@-]{1,200}$/;

function filterValue(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !text.test(v)) throw new LeadgateError('VALIDATION_FAILED', `${name} must be 1–200 letters, digits or .:@_-`, { details: { field: name, reason: 'invalid_filter' } });
  return v;
}

function timeValue(req: Request, name: string): Date | undefined {
  const v = req.query[name];
  if (v === undefined || v === '') return undefined;
  const d = new Date(String(v));
  if (Number.isNaN(d.getTime())) throw new LeadgateError('VALIDATION_FAILED', `${name} must be an ISO-8601 time`, { details: { field: name, reason: 'invalid_time' } });
  return d;
}

function positive(req: Request, name: string, fallback: number, max: number): number {
  const v = req.query[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new LeadgateError('VALIDATION_FAILED', `${name} must be an integer 1–${max}`, { details: { field: name, reason: 'out_of_range' } });
  return n;
}

const iso = (v: Date | string | null): string | undefined => (v === null ? undefined : new Date(v).toISOString());

/**
 * `GET /admin/dead-letters` (under `/v1`, admin token): the DLQ index for browsing, newest first, filtered by
 * `stage`, `code`, `destination`, `connector`, `since`/`until` (recorded time) and `all=1` (include replayed),
 * paged by `before=<id>` with `limit` (default 25). `nextBefore` is the cursor of the next page. Replay stays
 * with `POST /v1/admin/dlq/replay`. An operator token gets the same list with phones, e-mails and names in
 * `record` and `response` masked (`masked: true`).
 */
export function createConsoleDeadLettersRouter(deps: { store: Store; guard: RequestHandler }): Router {
  const router = Router();
  router.get('/admin/dead-letters', deps.guard, (req: Request, res: Response, next: NextFunction) => {
    const run = async (): Promise<void> => {
      const where: string[] = [];
      const params: SqlParam[] = [];
      const add = (sql: string, value: SqlParam): void => {
        params.push(value);
        where.push(sql.replace('?', `$${params.length}`));
      };
      for (const [name, column] of [['stage', 'stage'], ['code', 'code'], ['destination', 'destination'], ['connector', connectorOf]] as const) {
        const v = filterValue(req, name);
        if (v !== undefined) add(`${column} = ?`, v);
      }
      const since = timeValue(req, 'since');
      const until = timeValue(req, 'until');
      if (since) add('created_at >= ?', since);
      if (until) add('created_at < ?', until);
      if (req.query.all !== '1' && req.query.all !== 'true') where.push('replayed_at is null');
      const before = req.query.before === undefined ? undefined : positive(req, 'before', 1, Number.MAX_SAFE_INTEGER);
      if (before !== undefined) add('id < ?', before);
      const limit = positive(req, 'limit', 25, 200);
      params.push(limit + 1);
      const rows = await deps.store.query<LetterRow>(
        `select id, stage, destination, key, code, reason, response, record, ${connectorOf} as connector, failed_at, created_at, replayed_at, replay_count
           from dead_letters ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit $${params.length}`,
        params,
      );
      const page = rows.slice(0, limit);
      // Operators get the masked view: enough to see what failed and why, not whose number it was.
      const shown = principalOf(res).role === 'admin' ? <T>(v: T): T => v : maskPersonalData;
      res.set('cache-control', 'no-store').json({
        masked: principalOf(res).role !== 'admin',
        items: page.map((r) => ({
          id: Number(r.id), stage: r.stage, destination: r.destination ?? undefined, connector: r.connector ?? undefined, key: shown(r.key), code: r.code, reason: shown(r.reason),
          response: shown(r.response ?? undefined), record: shown(r.record), failedAt: iso(r.failed_at), createdAt: iso(r.created_at), replayedAt: iso(r.replayed_at), replayCount: r.replay_count,
        })),
        nextBefore: rows.length > limit ? Number(page[page.length - 1]?.id) : null,
      });
    };
    run().catch(next);
  });
  return router;
}
