import { createHmac } from 'node:crypto';
import { retry } from '../../platform/retry.js';

export type Channel = 'form' | 'call' | 'whatsapp';

/** One lead the generator sent: a unique phone identifies it in the CRM, a unique provider event id at the gateway. */
export interface SentLead {
  n: number;
  scenario: string;
  channel: Channel;
  /** E.164, unique per lead, so each lead is a new contact and never merges with another. */
  phone: string;
  eventId: string;
  firstSentAt: number;
  attempts: number;
  /** Answers other than 2xx (503 while the gateway cannot store, 429, ...): the provider retried. */
  rejected: number;
  /** Attempts that got no answer at all (connection refused or reset, timeout): the gateway was down. */
  unanswered: number;
  /** Set when the gateway answered 2xx (the provider's "acknowledged"). */
  ackedAt?: number;
  /** The last non-2xx answer or network error, when it was never acknowledged. */
  failure?: string;
}

export interface LoadSecrets {
  calls: string;
  whatsappAppSecret: string;
  phoneNumberId: string;
}

class RetryableAnswer extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Sends leads through the real webhooks and retries the way providers do: same event id, exponential
 * backoff, Retry-After honoured, for several minutes; a 4xx other than 408/429 is final (a bug to report).
 */
export class LoadGenerator {
  readonly sent: SentLead[] = [];
  private next = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly gatewayUrl: () => string,
    private readonly secrets: LoadSecrets,
    private readonly runId: string,
  ) {}

  /** Sends `ratePerSec` leads per second for `durationMs`, cycling through the channels. */
  async run(scenario: string, ratePerSec: number, durationMs: number): Promise<void> {
    const started = Date.now();
    const interval = 1000 / ratePerSec;
    for (let i = 0; Date.now() - started < durationMs; i++) {
      const due = started + i * interval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.track(this.sendOne(scenario));
    }
  }

  /** Resolves once every lead was acknowledged or given up on. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async sendOne(scenario: string): Promise<void> {
    const n = this.next++;
    const channel: Channel = (['form', 'call', 'whatsapp'] as const)[n % 3];
    // +7 999 xxx xx xx: a valid Russian mobile range; n keeps it unique within the run.
    const phone = `+7999${String(n).padStart(7, '0')}`;
    const lead: SentLead = { n, scenario, channel, phone, eventId: `${this.runId}-${n}`, firstSentAt: Date.now(), attempts: 0, rejected: 0, unanswered: 0 };
    this.sent.push(lead);
    const request = this.build(lead);
    try {
      await retry(
        async () => {
          lead.attempts++;
          let res: Response;
          try {
            res = await fetch(`${this.gatewayUrl()}${request.path}`, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(15_000) });
          } catch (err) {
            lead.unanswered++;
            throw new RetryableAnswer(`network: ${(err as Error).message}`);
          }
          await res.arrayBuffer().catch(() => undefined);
          if (res.ok) return;
          lead.rejected++;
          const retryAfter = Number(res.headers.get('retry-after'));
          if (res.status >= 500 || res.status === 429 || res.status === 408) throw new RetryableAnswer(`HTTP ${res.status}`, retryAfter > 0 ? retryAfter * 1000 : undefined);
          throw new Error(`HTTP ${res.status}`);
        },
        {
          retries: 40,
          initialMs: 500,
          maxMs: 10_000,
          bail: (err) => !(err instanceof RetryableAnswer),
          onRetry: (err, _attempt, wait) => (err instanceof RetryableAnswer && err.retryAfterMs !== undefined ? Math.max(wait, err.retryAfterMs) : wait),
        },
      );
      lead.ackedAt = Date.now();
      delete lead.failure;
    } catch (err) {
      lead.failure = (err as Error).message;
    }
  }

  private build(lead: SentLead): { path: string; headers: Record<string, string>; body: string } {
    const digits = lead.phone.slice(1);
    const now = Math.floor(lead.firstSentAt / 1000);
    if (lead.channel === 'form') {
      return {
        path: '/v1/hooks/site',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ eventId: lead.eventId, name: `Fault ${lead.n}`, phone: lead.phone, message: `fault run ${this.runId} lead ${lead.n}` }),
      };
    }
    if (lead.channel === 'call') {
      return {
        path: '/v1/hooks/pbx',
        headers: { 'content-type': 'application/json', 'x-leadgate-token': this.secrets.calls },
        body: JSON.stringify({ eventId: lead.eventId, callId: `call-${lead.eventId}`, event: 'end', direction: 'inbound', caller: lead.phone, line: '+74950000000', startedAt: now - 60, answeredAt: now - 50, endedAt: now, durationSec: 50 }),
      };
    }
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: this.secrets.phoneNumberId },
                contacts: [{ profile: { name: `Fault ${lead.n}` }, wa_id: digits }],
                messages: [{ from: digits, id: `wamid.${lead.eventId}`, timestamp: String(now), type: 'text', text: { body: `fault run lead ${lead.n}` } }],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac('sha256', this.secrets.whatsappAppSecret).update(body).digest('hex')}`;
    return { path: '/v1/hooks/wa', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body };
  }
}
