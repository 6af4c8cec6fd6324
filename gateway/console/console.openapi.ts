import { reactionGroupings } from '../reports/reaction-report.sql.js';

// The document's shared components (bin/openapi) are referenced by name: the gateway does not import bin.
const ref = (name: 'NotFound' | 'Unauthorized' | 'ValidationFailed'): object => ({ $ref: `#/components/responses/${name}` });
const json = (description: string): object => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

const admin = [{ adminToken: [] }];
const errors = { '401': ref('Unauthorized'), '422': ref('ValidationFailed') };
const query = (name: string, schema: object, description?: string): object => ({ name, in: 'query', schema, ...(description ? { description } : {}) });
const time = { type: 'string', format: 'date-time' };
const html = (description: string): object => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

/** The console's pages and its admin reads (docs/console.md), merged into the gateway's OpenAPI document. */
export const consolePaths = {
  '/': { get: { summary: 'Redirects to the operator console', tags: ['console'], responses: { '302': { description: 'To `/console/`.' } } } },
  '/console': {
    get: {
      summary: 'The operator console (its hashed assets under `/console/assets-<hash>/`)',
      tags: ['console'],
      responses: { '200': html('The console page, `Cache-Control: no-cache`, strict CSP.'), '301': { description: 'To `/console/`.' }, '404': ref('NotFound') },
    },
  },
  '/console/favicon.svg': { get: { summary: 'The console icon', tags: ['console'], responses: { '200': { description: 'SVG.', content: { 'image/svg+xml': { schema: { type: 'string' } } } } } } },
  '/v1/admin/whoami': {
    get: { summary: 'Who the token belongs to: `{role: "admin"}` or `{role: "operator", ownerId}` (read-only, one owner)', tags: ['admin'], security: admin, responses: { '200': json('`{role, ownerId?}`'), '401': ref('Unauthorized') } },
  },
  '/v1/admin/connectors': {
    get: { summary: 'Connectors: kind, webhook URL, health, last event, last-hour outcomes', tags: ['admin'], security: admin, responses: { '200': json('`{items: [...]}`'), '401': ref('Unauthorized') } },
  },
  '/v1/admin/routing/rules': { get: { summary: 'The routing rules in order and the fallback owner', tags: ['admin'], security: admin, responses: { '200': json('`{rules, fallbackOwner}`'), '401': ref('Unauthorized') } } },
  '/v1/admin/callbacks': {
    get: { summary: 'Open callback tasks, earliest deadline first', tags: ['admin'], security: admin, parameters: [query('owner', { type: 'string' })], responses: { '200': json('`{items: [...]}`'), ...errors } },
  },
  '/v1/admin/dead-letters': {
    get: {
      summary: 'Dead letters for browsing: filters and keyset paging, newest first',
      tags: ['admin'],
      security: admin,
      parameters: [
        query('stage', { enum: ['normalizer', 'router'] }),
        query('code', { type: 'string' }),
        query('destination', { type: 'string' }),
        query('connector', { type: 'string' }),
        query('since', time),
        query('until', time),
        query('all', { enum: ['1', 'true'] }, 'Include replayed letters.'),
        query('before', { type: 'integer', minimum: 1 }, 'The previous answer\'s `nextBefore`.'),
        query('limit', { type: 'integer', minimum: 1, maximum: 200 }),
      ],
      responses: { '200': json('`{items: [...], nextBefore}`'), ...errors },
    },
  },
  '/v1/admin/lookup': {
    get: {
      summary: 'A contact by phone, e-mail, contact id or lead id, with leads, activities, merges and raw events',
      tags: ['admin'],
      security: admin,
      parameters: [query('q', { type: 'string', minLength: 3, maxLength: 200 })],
      responses: { '200': json('The contact and what belongs to it.'), '404': ref('NotFound'), ...errors },
    },
  },
  '/v1/reports/reaction': {
    get: {
      summary: 'Reaction report: leads in, absorbed requests, time to first response, SLA losses, missed calls not called back',
      tags: ['reports'],
      security: admin,
      parameters: [query('from', time), query('to', time), query('groupBy', { enum: [...reactionGroupings] }), query('format', { enum: ['json', 'csv'] })],
      responses: { '200': { description: 'JSON `{from, to, groupBy, asOf, rows, total}` or CSV.', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } } }, ...errors },
    },
  },
} as const;
