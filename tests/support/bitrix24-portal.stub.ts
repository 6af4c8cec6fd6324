import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One lead as the portal stores it. */
export interface PortalLead {
  id: number;
  fields: Record<string, unknown>;
}

/**
 * A Bitrix24 portal's incoming webhook (`POST /rest/<user>/<code>/<method>.json`, JSON) with the methods
 * the bitrix24 destination uses for leads: `crm.item.add` (entityTypeId 1), `crm.item.list` filtered by
 * originatorId/originId, `crm.duplicate.findbycomm` and `batch` (sub-calls as PHP-style query strings).
 * Like the real portal it has no idempotency key: every `crm.item.add` creates a lead. `holdAnswersMs`
 * delays answers after the lead was created, so a test can kill Leadgate between "created" and "answer read".
 */
export class Bitrix24PortalStub {
  readonly leads: PortalLead[] = [];
  /** `crm.item.list` calls by originId (the lookups Leadgate made before re-creating). */
  readonly originLookups: string[] = [];
  holdAnswersMs = 0;
  private server: Server | undefined;
  private nextId = 1000;

  get webhookUrl(): string {
    const { port } = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}/rest/1/stubcode/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  /** Leads created per ORIGIN_ID (our delivery key). */
  createdPerOrigin(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const lead of this.leads) {
      const origin = String(lead.fields.originId ?? '');
      counts.set(origin, (counts.get(origin) ?? 0) + 1);
    }
    return counts;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = /\/rest\/\d+\/[^/]+\/(.+?)(?:\.json)?$/.exec(req.url ?? '')?.[1] ?? '';
      let params: Record<string, unknown>;
      try {
        params = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        this.reply(res, 400, { error: 'INVALID_REQUEST', error_description: 'body is not JSON' }, 0);
        return;
      }
      const created = this.leads.length;
      const answer = method === 'batch' ? this.batch(params) : this.call(method, params);
      // Only a write is held: reads answer at once, as a lookup after a restart must.
      this.reply(res, answer.status, answer.body, this.leads.length > created ? this.holdAnswersMs : 0);
    });
  }

  private reply(res: ServerResponse, status: number, body: unknown, delayMs: number): void {
    const send = (): void => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  }

  private call(method: string, params: Record<string, unknown>): { status: number; body: unknown } {
    const result = this.result(method, params);
    return result === undefined ? { status: 400, body: { error: 'ERROR_METHOD_NOT_FOUND', error_description: method } } : { status: 200, body: { result } };
  }

  private batch(params: Record<string, unknown>): { status: number; body: unknown } {
    const cmd = (params.cmd ?? {}) as Record<string, string>;
    const results: Record<string, unknown> = {};
    for (const [k, line] of Object.entries(cmd)) {
      const [method = '', query = ''] = line.split('?', 2);
      results[k] = this.result(method, fromQuery(query));
    }
    return { status: 200, body: { result: { result: results, result_error: [] } } };
  }

  private result(method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case 'crm.item.add': {
        const fields = (params.fields ?? {}) as Record<string, unknown>;
        const lead = { id: ++this.nextId, fields };
        this.leads.push(lead);
        return { item: { id: lead.id, ...fields } };
      }
      case 'crm.item.list': {
        const filter = (params.filter ?? {}) as Record<string, unknown>;
        const origin = String(filter.originId ?? '');
        this.originLookups.push(origin);
        const hits = this.leads.filter((l) => l.fields.originatorId === filter.originatorId && l.fields.originId === origin);
        return { items: hits.map((l) => ({ id: l.id })) };
      }
      case 'crm.duplicate.findbycomm':
        return [];
      default:
        return undefined;
    }
  }
}

/** PHP bracket notation back to nested objects (`filter[originId]=x` → `{filter:{originId:'x'}}`). */
function fromQuery(query: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    const path = name.split(/\[|\]\[|\]/).filter(Boolean);
    let node = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}
