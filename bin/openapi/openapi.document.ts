import { closeLeadBodySchema, eraseContactBodySchema } from '../../gateway/admin/leads.routes.js';
import { availabilityBodySchema, dryRunBodySchema, firstResponseBodySchema } from '../../router/admin/routing-admin.schemas.js';
import { leadgateVersion } from '../../platform/telemetry/build-info.js';
import { STREAM_PATH } from '../../gateway/stream/stream.upgrade.js';
import { components, json, pathParam, ref } from './openapi.components.js';

/**
 * Request bodies the routes validate with ajv, by operation (`METHOD path`): the document embeds these
 * very objects, and tests/integration/openapi.test.ts checks each route rejects what its schema rejects.
 */
export const validatedBodies: Readonly<Record<string, { schema: object; example: Record<string, unknown> }>> = {
  'PUT /v1/admin/owners/{id}/availability': { schema: availabilityBodySchema, example: { available: false } },
  'POST /v1/admin/routing/dry-run': { schema: dryRunBodySchema, example: { channel: 'form', tags: ['vip'] } },
  'POST /v1/leads/{id}/first-response': { schema: firstResponseBodySchema, example: { at: '2026-01-01T10:00:00Z' } },
  'POST /v1/leads/{id}/close': { schema: closeLeadBodySchema, example: { reason: 'won' } },
  'POST /v1/admin/contacts/erase': { schema: eraseContactBodySchema, example: { phone: '+79123456789' } },
};

const admin = [{ adminToken: [] }];
const adminErrors = { '401': ref('Unauthorized'), '404': ref('NotFound'), '422': ref('ValidationFailed') };
const connectorId = pathParam('connectorId', 'The connector instance id from `connectors[].id`.');
const id = (what: string): object => pathParam('id', what);

function body(key: string): object {
  const entry = validatedBodies[key];
  if (!entry) throw new Error(`no validated body for ${key}`);
  return { required: false, content: { 'application/json': { schema: entry.schema, example: entry.example } } };
}

const webhookResponses = {
  '200': json('Acknowledged without a lead (test request, status update, echo).'),
  '202': json('Durably stored; a lead follows.', { type: 'object', properties: { status: { const: 'accepted' }, eventId: { type: 'string' } } }),
  '204': { description: 'CORS preflight answered.' },
  '400': ref('BadRequest'),
  '401': ref('Unauthorized'),
  '404': ref('NotFound'),
  '413': ref('PayloadTooLarge'),
  '415': ref('UnsupportedMediaType'),
  '422': ref('ValidationFailed'),
  '503': ref('Unavailable'),
};

const providerBody = {
  required: true,
  description: "The provider's own wire format (see the connector's README); the gateway stores it as received.",
  content: {
    'application/json': { schema: { type: 'object' } },
    'application/x-www-form-urlencoded': { schema: { type: 'object' } },
    'multipart/form-data': { schema: { type: 'object' } },
  },
};

const paths = {
  '/health': { get: { summary: 'Liveness: the process answers', tags: ['operations'], responses: { '200': json('Alive.') } } },
  '/ready': { get: { summary: 'Readiness: bus, store and background connectors are healthy', tags: ['operations'], responses: { '200': json('Ready.'), '503': json('Not ready; `failing` names the parts.') } } },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (here unless `metrics.port` moves them; behind `metrics.token` when set)',
      tags: ['operations'],
      security: [{}, { metricsToken: [] }],
      responses: { '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': ref('Unauthorized') },
    },
  },
  '/openapi.json': { get: { summary: 'This document', tags: ['operations'], responses: { '200': json('OpenAPI 3.1.') } } },
  '/v1/hooks/{connectorId}': {
    parameters: [connectorId],
    post: { summary: 'A connector webhook (forms, telegram, whatsapp, zadarma, sipuni, call-webhook)', tags: ['webhooks'], requestBody: providerBody, responses: webhookResponses },
    get: { summary: 'Provider handshakes: WhatsApp `hub.challenge`, Zadarma `zd_echo`, Sipuni GET events', tags: ['webhooks'], responses: webhookResponses },
    options: { summary: 'CORS preflight of a forms connector with `allowedOrigins`', tags: ['webhooks'], responses: { '204': { description: 'Preflight answered.' }, '403': ref('Unauthorized'), '404': ref('NotFound') } },
  },
  '/v1/hooks/{connectorId}/events/call': { parameters: [connectorId], post: { summary: 'Mango Office call events', tags: ['webhooks'], requestBody: providerBody, responses: webhookResponses } },
  '/v1/hooks/{connectorId}/events/summary': { parameters: [connectorId], post: { summary: 'Mango Office call summaries', tags: ['webhooks'], requestBody: providerBody, responses: webhookResponses } },
  [STREAM_PATH]: {
    get: {
      summary: 'Live stream handshake: upgrades to a WebSocket (docs/live-stream.md)',
      tags: ['stream'],
      security: admin,
      parameters: [
        { name: 'Upgrade', in: 'header', required: true, schema: { const: 'websocket' } },
        { name: 'owner', in: 'query', required: false, description: 'Only events of this owner.', schema: { type: 'string' } },
      ],
      responses: { '101': { description: 'Switching Protocols: JSON live events follow.' }, '400': ref('BadRequest'), '401': ref('Unauthorized'), '404': ref('NotFound'), '503': ref('Unavailable') },
    },
  },
  '/v1/admin/dlq': {
    get: {
      summary: 'Dead letters (unreplayed unless `all`)',
      tags: ['admin'],
      security: admin,
      parameters: [
        { name: 'destination', in: 'query', schema: { type: 'string' } },
        { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
        { name: 'all', in: 'query', schema: { enum: ['1', 'true'] } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1 } },
      ],
      responses: { '200': json('`{items: DeadLetter[]}`'), '401': ref('Unauthorized') },
    },
  },
  '/v1/admin/dlq/{id}': { get: { summary: 'One dead letter with its record and the answer that caused it', tags: ['admin'], security: admin, parameters: [id('Dead letter id.')], responses: { '200': json('The dead letter.'), ...adminErrors } } },
  '/v1/admin/dlq/replay': {
    post: {
      summary: 'Replay dead letters by id, destination or time',
      tags: ['admin'],
      security: admin,
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer', minimum: 1 }, destination: { type: 'string' }, since: { type: 'string', format: 'date-time' } } } } } },
      responses: { '200': json('`{replayed: [...]}`'), '400': ref('BadRequest'), '401': ref('Unauthorized') },
    },
  },
  '/v1/admin/destinations': { get: { summary: 'Park state of every destination', tags: ['admin'], security: admin, responses: { '200': json('Destinations.'), '401': ref('Unauthorized') } } },
  '/v1/admin/destinations/{id}/resume': { post: { summary: 'Lift a park', tags: ['admin'], security: admin, parameters: [id('Destination id.')], responses: { '200': json('Resumed.'), ...adminErrors } } },
  '/v1/admin/owners': { get: { summary: 'Owners with availability and open leads', tags: ['admin'], security: admin, responses: { '200': json('Owners.'), '401': ref('Unauthorized') } } },
  '/v1/admin/owners/{id}/availability': { put: { summary: 'Mark an owner available or away', tags: ['admin'], security: admin, parameters: [id('Owner id.')], requestBody: body('PUT /v1/admin/owners/{id}/availability'), responses: { '200': json('New availability.'), ...adminErrors } } },
  '/v1/admin/routing/dry-run': { post: { summary: 'Which rule and owner a lead would get', tags: ['admin'], security: admin, requestBody: body('POST /v1/admin/routing/dry-run'), responses: { '200': json('The decision.'), ...adminErrors } } },
  '/v1/leads/{id}/first-response': { post: { summary: 'Record the first response to a lead (stops its SLA)', tags: ['admin'], security: admin, parameters: [id('Lead id.')], requestBody: body('POST /v1/leads/{id}/first-response'), responses: { '200': json('Recorded.'), ...adminErrors } } },
  '/v1/leads/{id}/close': { post: { summary: 'Close a lead for merging', tags: ['admin'], security: admin, parameters: [id('Lead id.')], requestBody: body('POST /v1/leads/{id}/close'), responses: { '200': json('Closed.'), ...adminErrors } } },
  '/v1/leads/{id}/lineage': { get: { summary: 'Raw events and records behind a lead', tags: ['admin'], security: admin, parameters: [id('Lead id.')], responses: { '200': json('Lineage.'), ...adminErrors } } },
  '/v1/contacts/{id}/lineage': { get: { summary: 'Merges, leads and raw events behind a contact', tags: ['admin'], security: admin, parameters: [id('Contact id.')], responses: { '200': json('Lineage.'), ...adminErrors } } },
  '/v1/admin/contacts/erase': { post: { summary: "Erase a person's data (152-FZ / GDPR)", tags: ['admin'], security: admin, requestBody: body('POST /v1/admin/contacts/erase'), responses: { '200': json('Erase result.'), ...adminErrors } } },
};

/** The OpenAPI 3.1 document of every HTTP route of the gateway (and the worker roles' ops routes). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Leadgate', version: leadgateVersion(), description: 'Lead-ingestion gateway: provider webhooks in, admin API, live stream. Errors: docs/errors.md.' },
    paths,
    components,
  };
}
