import type { LeadDraft, MapResult, MapperInput } from '../../contracts/lead-draft.js';
import { connectorConfig, defineConnector } from '../contract/define-connector.js';

/**
 * One historical lead as `leadgate import` publishes it (bin/import/): the row already read and mapped from
 * the file's headers, still un-normalized (phones and e-mails as typed), with its own time.
 */
export interface ImportPayload {
  phones: string[];
  emails: string[];
  name?: string;
  /** ISO-8601 time of the original request: the event time (import times have no past limit). */
  time: string;
  subject?: string;
  message?: string;
  tags?: string[];
  source?: { form?: string; page?: string; campaign?: string };
  /** Custom columns and UTM/click-id columns (the normalizer lifts those into `source`). */
  fields: Record<string, string>;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Pure: an import payload → a draft with `occurredAt` = the row's time. */
export function mapImportRow(input: MapperInput): MapResult {
  const p = input.payload as Partial<ImportPayload>;
  const draft: LeadDraft = { kind: 'lead', contact: { phones: strings(p.phones), emails: strings(p.emails) } };
  const name = text(p.name);
  if (name) draft.contact.name = name;
  draft.occurredAt = text(p.time) ?? input.receivedAt;
  const subject = text(p.subject);
  if (subject) draft.subject = subject;
  const message = text(p.message);
  if (message) draft.message = message;
  if (p.tags?.length) draft.tags = strings(p.tags);
  if (p.source && Object.keys(p.source).length > 0) draft.source = { ...p.source };
  const fields = Object.fromEntries(Object.entries(p.fields ?? {}).filter(([, v]) => typeof v === 'string'));
  if (Object.keys(fields).length > 0) draft.fields = fields;
  return draft;
}

/**
 * Historical leads from files (`leadgate import`): no ingress, only a mapper, so imported rows take the
 * same normalizer path as live traffic. The channel is the row's; `form` when the file does not say.
 */
export const importConnector = defineConnector({
  channel: 'form',
  // Import rows carry whatever the CLI names them; no instance config is read.
  config: connectorConfig('import', {}, { additionalProperties: true }),
  mapper: mapImportRow,
});
