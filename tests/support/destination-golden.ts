/**
 * The one golden-case format for every destination kind, and the runner that plays a case against a
 * local HTTP server standing in for the CRM.
 *
 * A case is `tests/fixtures/destinations/<kind>/<name>.case.json`: the kind's config section (`{{crm}}`
 * in a string becomes the stub's base URL), the delivery to send and whether it may be a repeat, and the
 * exchanges with the CRM in order: each `reply` is what the CRM answers (the input, shaped like its
 * documented wire format) and each `request` is what Leadgate must send (the golden output: method,
 * path with query, the headers named in `headers`, the body). `expectedReceipt` is what `send` resolves
 * to; `expectedError` the LeadgateError code it throws instead, `expectedPark` the park it asks for. `GOLDEN_UPDATE=1` rewrites `request`s
 * and the receipt from what was sent (review the diff).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Delivery } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { describeErrors, compile } from '../../platform/validation.js';
import { MemoryDestinationRefs } from '../../router/destinations/destination-refs.js';
import { createBareDestination } from '../../router/destinations/destination.factory.js';
import type { DestinationRegistry } from '../../router/destinations/destination.registry.js';
import { destinationSchemaOf } from '../../router/destinations/destination.schema.js';

export const destinationFixturesRoot = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/destinations');

export interface SentRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface CrmExchange {
  request?: SentRequest;
  reply: { status: number; body?: unknown; headers?: Record<string, string> };
}

export interface DestinationCase {
  description: string;
  /** `router.destination` without `id` and `kind` (the directory names the kind). */
  config: Record<string, unknown>;
  /** The delivery sent; `lead` defaults to the shared sample lead. */
  delivery: Omit<Delivery, 'lead'> & { lead?: LeadV1 };
  maybeRetry?: boolean;
  /** Request headers recorded into the golden `request`s (lower case). */
  headers?: string[];
  exchanges: CrmExchange[];
  expectedReceipt?: { status: number; externalId?: string };
  expectedError?: string;
  /** With DESTINATION_UNAVAILABLE: the code of the park it asks for (`details.park.code`). */
  expectedPark?: string;
}

/** The lead every case delivers unless it brings its own: fixed ids and times, so requests are stable. */
export const sampleLead: LeadV1 = {
  v: 1, type: 'lead.created', leadId: 'L1', activityId: 'A1',
  contact: { id: 'C1', isNew: true, name: 'Ivan Petrov', phones: ['+79161234567'], emails: ['ivan@example.com'], ids: [] },
  channel: 'form', connectorId: 'site', message: 'Call me', source: {}, fields: {}, tags: [], spam: false,
  occurredAt: '2026-05-01T10:00:00.000Z', normalizedAt: '2026-05-01T10:00:01.000Z', lineage: { rawEventIds: ['r1'] },
};

export function caseFilesOf(kind: string, root = destinationFixturesRoot): string[] {
  try {
    return readdirSync(join(root, kind)).filter((f) => f.endsWith('.case.json')).sort().map((f) => join(root, kind, f));
  } catch {
    return [];
  }
}

export function readCase(file: string): DestinationCase {
  return JSON.parse(readFileSync(file, 'utf8')) as DestinationCase;
}

function substitute(value: unknown, crm: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{{crm}}', crm);
  if (Array.isArray(value)) return value.map((v) => substitute(v, crm));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, crm)]));
  return value;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A CRM stand-in answering the scripted replies in order; an unscripted request gets 599 (and fails the case). */
async function startCrm(exchanges: CrmExchange[], recordHeaders: string[]): Promise<{ url: string; sent: SentRequest[]; server: Server }> {
  const sent: SentRequest[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const headers = Object.fromEntries(recordHeaders.filter((h) => req.headers[h] !== undefined).map((h) => [h, String(req.headers[h])]));
      sent.push({ method: req.method ?? '', path: req.url ?? '', ...(recordHeaders.length ? { headers } : {}), ...(body !== undefined ? { body } : {}) });
      const exchange = exchanges[sent.length - 1];
      const reply = exchange?.reply ?? { status: 599, body: { error: 'unscripted request' } };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent, server };
}

export interface CaseOutcome {
  sent: SentRequest[];
  receipt?: { status: number; externalId?: string };
  error?: string;
  park?: string;
  configProblems: string[];
}

/** Validates the case's config against the registry's schema (defaults filled), then sends its delivery once. */
export async function playCase(registry: DestinationRegistry, kind: string, c: DestinationCase): Promise<CaseOutcome> {
  const crm = await startCrm(c.exchanges, c.headers ?? []);
  try {
    const config = { id: `golden-${kind}`, kind, ...(substitute(c.config, crm.url) as Record<string, unknown>) };
    const validate = compile(destinationSchemaOf(registry));
    if (!validate(config)) return { sent: [], configProblems: describeErrors(validate.errors) };
    const destination = createBareDestination(config as never, new MemoryDestinationRefs(), registry);
    const delivery = { ...c.delivery, lead: c.delivery.lead ?? sampleLead } as Delivery;
    try {
      const receipt = await destination.send(delivery, { maybeRetry: c.maybeRetry ?? false, priorAttempts: c.maybeRetry ? 1 : 0 });
      return { sent: crm.sent, receipt: { status: receipt.status, ...(receipt.externalId !== undefined ? { externalId: receipt.externalId } : {}) }, configProblems: [] };
    } catch (err) {
      const e = err as { code?: string; details?: { park?: { code?: string } } };
      return { sent: crm.sent, error: e.code ?? String(err), ...(e.details?.park?.code ? { park: e.details.park.code } : {}), configProblems: [] };
    }
  } finally {
    await new Promise((resolve) => crm.server.close(resolve));
  }
}

/** GOLDEN_UPDATE: writes what was sent and received back into the case file. */
export function rewriteCase(file: string, c: DestinationCase, outcome: CaseOutcome): void {
  const exchanges = outcome.sent.map((request, i) => ({ request, reply: c.exchanges[i]?.reply ?? { status: 599 } }));
  const { expectedReceipt: _r, expectedError: _e, expectedPark: _p, ...rest } = c;
  const result = outcome.error ? { expectedError: outcome.error, ...(outcome.park ? { expectedPark: outcome.park } : {}) } : { expectedReceipt: outcome.receipt! };
  const next: DestinationCase = { ...rest, exchanges, ...result };
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
}
