import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import type { Store } from '../../platform/store/store.port.js';
import { reactionReportCsv } from './reaction-report.csv.js';
import { reactionGroupings, reactionReport, type ReactionGroupBy } from './reaction-report.sql.js';

const dayMs = 86_400_000;
/** A longer range would be a slow full scan for a figure nobody reads at that scale. */
export const maxReportDays = 400;

function time(value: unknown, name: string, fallback: Date): Date {
  if (value === undefined || value === '') return fallback;
  const d = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) throw new LeadgateError('VALIDATION_FAILED', `${name} must be an ISO-8601 time`, { details: { field: name, reason: 'invalid_time' } });
  return d;
}

/**
 * `GET /v1/reports/reaction?from=&to=&groupBy=day|week|channel|connector|utm_source|owner[&format=csv]`
 * behind the admin token: the reaction report over `[from, to)` (default: the last 30 days, by day),
 * JSON `{from, to, groupBy, rows, total}` or CSV. docs/console.md defines every figure.
 */
export function createReactionReportRouter(deps: { store: Store; guard: RequestHandler; clock?: () => Date }): Router {
  const router = Router();
  const now = deps.clock ?? (() => new Date());
  router.get('/reports/reaction', deps.guard, (req: Request, res: Response, next: NextFunction) => {
    const run = async (): Promise<void> => {
      const asOf = now();
      const to = time(req.query.to, 'to', asOf);
      const from = time(req.query.from, 'from', new Date(to.getTime() - 30 * dayMs));
      if (from >= to) throw new LeadgateError('VALIDATION_FAILED', 'from must be before to', { details: { field: 'from', reason: 'empty_range' } });
      if (to.getTime() - from.getTime() > maxReportDays * dayMs) throw new LeadgateError('VALIDATION_FAILED', `the range may span at most ${maxReportDays} days`, { details: { field: 'to', reason: 'range_too_long' } });
      const groupBy = (req.query.groupBy ?? 'day') as ReactionGroupBy;
      if (!reactionGroupings.includes(groupBy)) throw new LeadgateError('VALIDATION_FAILED', `groupBy must be one of ${reactionGroupings.join(', ')}`, { details: { field: 'groupBy', reason: 'unknown_grouping' } });
      const format = req.query.format ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new LeadgateError('VALIDATION_FAILED', 'format must be json or csv', { details: { field: 'format', reason: 'unknown_format' } });
      const report = await reactionReport(deps.store, { from, to, groupBy, asOf });
      res.set('cache-control', 'no-store');
      if (format === 'csv') {
        const name = `reaction-${groupBy}-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.csv`;
        res.set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` }).send(reactionReportCsv(groupBy, report.rows, report.total));
        return;
      }
      res.json({ from: from.toISOString(), to: to.toISOString(), groupBy, asOf: asOf.toISOString(), ...report });
    };
    run().catch(next);
  });
  return router;
}
