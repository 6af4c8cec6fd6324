import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { requireAdminToken } from '../../platform/http/admin-auth.js';
import { createReactionReportRouter } from '../../gateway/reports/reaction-report.routes.js';
import { reactionReport, type ReactionRow } from '../../gateway/reports/reaction-report.sql.js';
import { errorHandler, notFoundHandler } from '../../platform/http/error-handler.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const logger = pino({ level: 'silent' });
const token = 'report-admin-token-0123456789abcdef';

interface FixtureLead {
  id: string;
  channel: string;
  connector: string;
  owner: string;
  at: string;
  utm?: string;
  /** Later requests absorbed by the lead. */
  repeats?: string[];
  sla: { due?: string; status: string; breachedAt?: string; responseSec?: number };
}

/**
 * The fixed set the figures below were computed from by hand (UTC; 2026-03-02 is a Monday). L6 lies
 * outside the range and must not count anywhere.
 */
const leads: FixtureLead[] = [
  { id: 'L1', channel: 'form', connector: 'site', owner: 'anna', at: '2026-03-02T09:00:00Z', utm: 'yandex', repeats: ['2026-03-02T11:00:00Z', '2026-03-04T09:00:00Z'], sla: { due: '2026-03-02T09:15:00Z', status: 'responded', responseSec: 300 } },
  { id: 'L2', channel: 'form', connector: 'site', owner: 'anna', at: '2026-03-02T10:00:00Z', utm: 'google', sla: { due: '2026-03-02T10:15:00Z', status: 'breached', breachedAt: '2026-03-02T10:15:00Z', responseSec: 1200 } },
  { id: 'L3', channel: 'call', connector: 'pbx', owner: 'boris', at: '2026-03-03T08:00:00Z', repeats: ['2026-03-03T09:00:00Z'], sla: { due: '2026-03-03T08:15:00Z', status: 'breached', breachedAt: '2026-03-03T08:15:00Z' } },
  { id: 'L4', channel: 'call', connector: 'pbx', owner: 'anna', at: '2026-03-03T12:00:00Z', sla: { status: 'responded', responseSec: 60 } },
  { id: 'L5', channel: 'form', connector: 'site', owner: 'boris', at: '2026-03-09T09:00:00Z', utm: 'yandex', repeats: ['2026-03-09T10:00:00Z'], sla: { due: '2026-03-09T09:30:00Z', status: 'responded', responseSec: 600 } },
  { id: 'L6', channel: 'form', connector: 'site', owner: 'anna', at: '2026-03-20T09:00:00Z', utm: 'yandex', repeats: ['2026-03-20T09:30:00Z'], sla: { due: '2026-03-20T09:15:00Z', status: 'breached', breachedAt: '2026-03-20T09:15:00Z', responseSec: 5000 } },
];

/** Callback tasks: T1 called back in time, T2 closed after its deadline, T3 still open past it, T4 outside. */
const tasks = [
  { id: 'T1', lead: 'L3', owner: 'boris', phone: '+79160000001', at: '2026-03-03T08:00:00Z', due: '2026-03-03T08:15:00Z', closedAt: '2026-03-03T08:10:00Z' },
  { id: 'T2', lead: 'L4', owner: 'anna', phone: '+79160000002', at: '2026-03-03T12:00:00Z', due: '2026-03-03T12:15:00Z', closedAt: '2026-03-03T12:30:00Z' },
  { id: 'T3', lead: 'L4', owner: 'anna', phone: '+79160000003', at: '2026-03-04T10:00:00Z', due: '2026-03-04T10:15:00Z', closedAt: null },
  { id: 'T4', lead: 'L6', owner: 'anna', phone: '+79160000004', at: '2026-03-20T09:00:00Z', due: '2026-03-20T09:15:00Z', closedAt: null },
];

async function seed(store: Store): Promise<void> {
  for (const l of leads) {
    await store.query('insert into contacts (id, name, created_at) values ($1, $2, $3)', [`c-${l.id}`, l.id, l.at]);
    await store.query(
      `insert into leads (id, contact_id, status, mergeable, merge_until, owner_id, channel, connector_id, created_at, last_activity_at)
       values ($1, $2, 'open', true, $3, $4, $5, $6, $3, $3)`,
      [l.id, `c-${l.id}`, l.at, l.owner, l.channel, l.connector],
    );
    for (const [i, at] of [l.at, ...(l.repeats ?? [])].entries()) {
      const key = `${l.connector}:${l.id}-${i}`;
      const output = { source: l.utm ? { utm: { utm_source: l.utm } } : {} };
      await store.query(`insert into raw_events (event_key, event_id, connector_id, received_at, raw, outcome, output) values ($1, $1, $2, $3, '{}', 'lead', $4)`, [key, l.connector, at, JSON.stringify(output)]);
      await store.query('insert into lead_activities (id, lead_id, event_key, raw_event_id, channel, created_at) values ($1, $2, $3, $3, $4, $5)', [`a-${l.id}-${i}`, l.id, key, l.channel, at]);
    }
    const respondedAt = l.sla.responseSec === undefined ? null : new Date(Date.parse(l.at) + l.sla.responseSec * 1000);
    await store.query(
      `insert into lead_sla (lead_id, owner_id, rule_id, created_at, due_at, status, escalation_level, breached_at, responded_at, response_seconds)
       values ($1, $2, 'r', $3, $4, $5, $6, $7, $8, $9)`,
      [l.id, l.owner, l.at, l.sla.due ?? null, l.sla.status, l.sla.breachedAt ? 1 : 0, l.sla.breachedAt ?? null, respondedAt, l.sla.responseSec ?? null],
    );
  }
  for (const t of tasks) {
    await store.query(
      `insert into callback_tasks (id, contact_id, lead_id, phone, owner_id, due_at, attempts, last_call_at, status, closed_reason, created_at, closed_at)
       values ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $7, $10)`,
      [t.id, `c-${t.lead}`, t.lead, t.phone, t.owner, t.due, t.at, t.closedAt ? 'closed' : 'open', t.closedAt ? 'called_back' : null, t.closedAt],
    );
  }
}

const range = { from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-03-16T00:00:00Z'), asOf: new Date('2026-03-15T00:00:00Z') };

/** A row from the hand computation: [leads, duplicates, responded, median, p90, slaActive, overdue, lossRate, missed, late]. */
function row(group: string, f: [number, number, number, number | null, number | null, number, number, number | null, number, number]): ReactionRow {
  const [leadsIn, duplicatesAbsorbed, responded, medianFirstResponseSec, p90FirstResponseSec, slaActive, slaOverdue, lossRate, missedCalls, missedNotCalledBack] = f;
  return { group, leadsIn, duplicatesAbsorbed, responded, medianFirstResponseSec, p90FirstResponseSec, slaActive, slaOverdue, lossRate, missedCalls, missedNotCalledBack };
}

// Median and p90 are linear-interpolated percentiles (PostgreSQL percentile_cont):
// {60, 300, 600, 1200}: median (300+600)/2 = 450, p90 at rank 2.7 = 600 + 0.7·600 = 1020.
const expected = {
  total: row('total', [5, 4, 4, 450, 1020, 4, 2, 0.5, 3, 2]),
  day: [
    row('2026-03-02', [2, 1, 2, 750, 1110, 2, 1, 0.5, 0, 0]),
    row('2026-03-03', [2, 1, 1, 60, 60, 1, 1, 1, 2, 1]),
    row('2026-03-04', [0, 1, 0, null, null, 0, 0, null, 1, 1]),
    row('2026-03-09', [1, 1, 1, 600, 600, 1, 0, 0, 0, 0]),
  ],
  week: [row('2026-03-02', [4, 3, 3, 300, 1020, 3, 2, 0.6667, 3, 2]), row('2026-03-09', [1, 1, 1, 600, 600, 1, 0, 0, 0, 0])],
  owner: [row('anna', [3, 2, 3, 300, 1020, 2, 1, 0.5, 2, 2]), row('boris', [2, 2, 1, 600, 600, 2, 1, 0.5, 1, 0])],
  channel: [row('call', [2, 1, 1, 60, 60, 1, 1, 1, 3, 2]), row('form', [3, 3, 3, 600, 1080, 3, 1, 0.3333, 0, 0])],
  connector: [row('pbx', [2, 1, 1, 60, 60, 1, 1, 1, 3, 2]), row('site', [3, 3, 3, 600, 1080, 3, 1, 0.3333, 0, 0])],
  utm_source: [row('', [2, 1, 1, 60, 60, 1, 1, 1, 3, 2]), row('google', [1, 0, 1, 1200, 1200, 1, 1, 1, 0, 0]), row('yandex', [2, 3, 2, 450, 570, 2, 0, 0, 0, 0])],
} as const;

describe.each(['embedded', 'postgres'] as const)('reaction report on a fixed set of leads (%s store)', (kind) => {
  let store: Store;
  let dataDir: string | undefined;
  let db: TestDatabase | undefined;

  beforeAll(async () => {
    if (kind === 'embedded') {
      dataDir = mkdtempSync(join(tmpdir(), 'leadgate-report-'));
      store = await openStore({ kind: 'embedded', dataDir }, logger);
    } else {
      db = await createTestDatabase();
      store = await openStore({ kind: 'postgres', url: db.url }, logger);
    }
    await seed(store);
  });

  afterAll(async () => {
    await store.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test.each(['day', 'week', 'owner', 'channel', 'connector', 'utm_source'] as const)('grouped by %s: every figure equals the hand-computed one', async (groupBy) => {
    const report = await reactionReport(store, { ...range, groupBy });
    expect(report.rows).toEqual(expected[groupBy]);
    expect(report.total).toEqual(expected.total);
  });

  describe('GET /v1/reports/reaction', () => {
    const app = (): express.Express => {
      const a = express();
      a.use('/v1', createReactionReportRouter({ store, guard: requireAdminToken(token), clock: () => range.asOf }));
      a.use(notFoundHandler());
      a.use(errorHandler(logger));
      return a;
    };
    const auth = { authorization: `Bearer ${token}` };
    const q = '/v1/reports/reaction?from=2026-03-02T00:00:00Z&to=2026-03-16T00:00:00Z';

    test('JSON: the same figures, with the range echoed', async () => {
      const res = await request(app()).get(`${q}&groupBy=owner`).set(auth);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z', groupBy: 'owner', rows: expected.owner, total: expected.total });
    });

    test('CSV: header, one line per group, the total last', async () => {
      const res = await request(app()).get(`${q}&groupBy=channel&format=csv`).set(auth);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/csv');
      expect(res.headers['content-disposition']).toContain('reaction-channel-2026-03-02-2026-03-16.csv');
      expect(res.text.trim().split('\r\n')).toEqual([
        'channel,leadsIn,duplicatesAbsorbed,responded,medianFirstResponseSec,p90FirstResponseSec,slaActive,slaOverdue,lossRate,missedCalls,missedNotCalledBack',
        'call,2,1,1,60,60,1,1,1,3,2',
        'form,3,3,3,600,1080,3,1,0.3333,0,0',
        'total,5,4,4,450,1020,4,2,0.5,3,2',
      ]);
    });

    test.each([
      ['groupBy=month', 'unknown_grouping'],
      ['from=yesterday', 'invalid_time'],
      ['from=2026-03-10T00:00:00Z&to=2026-03-01T00:00:00Z', 'empty_range'],
      ['from=2024-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'range_too_long'],
      ['format=xml', 'unknown_format'],
    ])('bad query %s → 422 %s', async (query, reason) => {
      const res = await request(app()).get(`/v1/reports/reaction?${query}`).set(auth);
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { reason } });
    });

    test('without the admin token → 401', async () => {
      const res = await request(app()).get(q);
      expect(res.status).toBe(401);
    });
  });
});
