import type { Delivery } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { truncateText } from '../../platform/text/safe-text.js';

/**
 * Human text the CRM destinations put into titles, notes and tasks, shared so every CRM shows the same.
 * Each note carries a marker with the idempotency key: CRMs without an external-id field on notes and
 * tasks are searched for it before a retried write.
 */
export function marker(key: string): string {
  return `[leadgate:${key}]`;
}

export function leadTitle(lead: LeadV1): string {
  const who = lead.contact.name ?? lead.contact.phones[0] ?? lead.contact.emails[0] ?? 'unknown contact';
  const what = lead.call ? `call (${lead.call.status})` : lead.channel;
  return truncateText(`${what}: ${who}`, 250);
}

/** First and last name from a display name; CRMs that split them get both, others the whole. */
export function splitName(name: string | undefined): { first?: string; last?: string } {
  if (!name) return {};
  const parts = name.trim().split(/\s+/);
  if (parts.length === 1) return { first: parts[0] };
  return { first: parts.slice(0, -1).join(' '), last: parts[parts.length - 1] };
}

/** The request itself: subject, message, call facts, extra fields. */
export function requestText(lead: LeadV1): string {
  const lines: string[] = [];
  if (lead.subject) lines.push(lead.subject);
  if (lead.message) lines.push(lead.message);
  if (lead.call) lines.push(`Call ${lead.call.direction} ${lead.call.status}${lead.call.durationSec !== undefined ? `, ${lead.call.durationSec}s` : ''}`);
  for (const [k, v] of Object.entries(lead.fields)) lines.push(`${k}: ${v}`);
  if (lead.source.page) lines.push(`Page: ${lead.source.page}`);
  lines.push(...traceLines(lead));
  return lines.join('\n');
}

/** Where the request came from and how to find it at the provider: referrer, click ids, ids, files. */
function traceLines(lead: LeadV1): string[] {
  const lines: string[] = [];
  if (lead.source.referrer) lines.push(`Referrer: ${lead.source.referrer}`);
  const clicks = Object.entries(lead.source.clickIds ?? {});
  if (clicks.length > 0) lines.push(`Click ids: ${clicks.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (lead.contact.username) lines.push(`Username: @${lead.contact.username}`);
  const ids = Object.entries(lead.provider ?? {}).filter(([k]) => k !== 'name');
  if (ids.length > 0) lines.push(`${lead.provider?.name ?? 'Provider'} ids: ${ids.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  for (const a of lead.attachments ?? []) lines.push(`Attachment: ${a.name ?? '(unnamed)'} (${a.type}, ${a.size} B)`);
  return lines;
}

/** The note or comment a delivery adds to an existing record, ending with its marker. */
export function noteText(delivery: Delivery): string {
  const { lead } = delivery;
  const body = (() => {
    switch (delivery.kind) {
      case 'lead.create':
      case 'lead.activity':
        return `New request (${lead.channel}, ${lead.connectorId}) at ${lead.occurredAt}\n${requestText(lead)}`;
      case 'callback.create':
      case 'callback.update':
        return `Missed call: call back ${delivery.callback?.phone ?? ''} by ${delivery.callback?.dueAt ?? ''} (attempts: ${delivery.callback?.attempts ?? 0})`;
      case 'callback.close':
        return `Callback closed: ${delivery.callback?.closedReason ?? 'closed'}`;
      case 'contact.merged':
        return `Contact ${delivery.mergedContactId ?? '?'} was merged into ${lead.contact.id}`;
      case 'contact.erased':
        return 'Personal data erased on request';
    }
  })();
  return `${body}\n${marker(delivery.idempotencyKey)}`;
}

export function callbackSubject(delivery: Delivery): string {
  return `Call back ${delivery.callback?.phone ?? delivery.lead.contact.phones[0] ?? ''}`.trim();
}

/** The UTM set as the CRMs name it, empty values left out. */
export function utm(lead: LeadV1): Partial<Record<'source' | 'medium' | 'campaign' | 'content' | 'term', string>> {
  const u = lead.source.utm ?? {};
  const out: Partial<Record<'source' | 'medium' | 'campaign' | 'content' | 'term', string>> = {};
  if (u.utm_source) out.source = u.utm_source;
  if (u.utm_medium) out.medium = u.utm_medium;
  if (u.utm_campaign) out.campaign = u.utm_campaign;
  if (u.utm_content) out.content = u.utm_content;
  if (u.utm_term) out.term = u.utm_term;
  return out;
}
