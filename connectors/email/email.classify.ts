import { INTERNAL_SENDER_FLAG, type EmailPayload } from './email.payload.js';

/** Why an e-mail is not a lead; also the `reason` label of `leadgate_email_ignored_total`. */
export type EmailIgnoreCode = 'unparseable' | 'bounce' | 'auto_reply' | 'bulk' | 'internal' | 'no_sender';

export const EMAIL_IGNORE_REASONS: Readonly<Record<EmailIgnoreCode, string>> = {
  unparseable: 'unparseable message',
  bounce: 'delivery status notification or bounce',
  auto_reply: 'auto-reply or out-of-office',
  bulk: 'bulk or mailing-list mail',
  internal: 'sender is internal',
  no_sender: 'no sender address',
};

const first = (value: string | undefined): string => (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** A null return path (`<>`) is how MTAs and RFC 3834 responders mark mail that must not be answered. */
function hasNullReturnPath(p: EmailPayload): boolean {
  const rp = p.headers['return-path'];
  return rp !== undefined && /^<?\s*>?$/.test(rp.trim());
}

function isReport(p: EmailPayload): boolean {
  // multipart/report carries DSNs (report-type=delivery-status) and read receipts; neither is a person writing.
  return first(p.headers['content-type']) === 'multipart/report';
}

function isMailerDaemon(p: EmailPayload): boolean {
  return p.from.some((a) => /^(mailer-daemon|postmaster)@/i.test(a.address));
}

function isAutoReply(p: EmailPayload): boolean {
  const h = p.headers;
  const autoSubmitted = first(h['auto-submitted']);
  if (autoSubmitted !== '' && autoSubmitted !== 'no') return true;
  if (h['x-autoreply'] !== undefined && first(h['x-autoreply']) !== 'no') return true;
  if (h['x-autorespond'] !== undefined) return true;
  // Exchange/Outlook stamp it on OOF replies and other machine mail so that nobody auto-answers them back.
  if (h['x-auto-response-suppress'] !== undefined) return true;
  return first(h.precedence) === 'auto_reply';
}

function isBulk(p: EmailPayload): boolean {
  // List-Id alone is not enough: a shared sales@ address run as a Google Group stamps it on every lead.
  return ['bulk', 'junk', 'list'].includes(first(p.headers.precedence));
}

/**
 * Decides whether an e-mail is not a lead. Pure; the mapper (normalizer) and the ingress (for metrics)
 * run the same rules, so the counted reason is the one the lead pipeline acts on.
 *
 * Order matters:
 * 1. Reports and mail from MAILER-DAEMON are bounces, whatever else they say.
 * 2. A message a form rule matched is a site notification: it is a lead even though well-behaved
 *    notifiers mark themselves `Auto-Submitted: auto-generated` and often send from the company's own domain.
 * 3. Auto-reply headers, then bulk/list markers, then a bare null return path.
 * 4. Internal senders (flag set by the ingress from `internalDomains`).
 */
export function classifyEmail(p: EmailPayload, flags: readonly string[] = []): EmailIgnoreCode | undefined {
  if (p.unparseable) return 'unparseable';
  if (isReport(p) || isMailerDaemon(p)) return 'bounce';
  if (p.extracted) return undefined;
  if (isAutoReply(p)) return 'auto_reply';
  if (isBulk(p)) return 'bulk';
  if (hasNullReturnPath(p)) return 'bounce';
  if (flags.includes(INTERNAL_SENDER_FLAG)) return 'internal';
  if (p.from.length === 0 && p.replyTo.length === 0) return 'no_sender';
  return undefined;
}

/** Whether an address belongs to one of the domains (or their subdomains). */
export function inDomains(address: string, domains: readonly string[]): boolean {
  const at = address.lastIndexOf('@');
  if (at < 0) return false;
  const domain = address.slice(at + 1).toLowerCase();
  return domains.some((d) => {
    const lower = d.toLowerCase();
    return domain === lower || domain.endsWith(`.${lower}`);
  });
}
