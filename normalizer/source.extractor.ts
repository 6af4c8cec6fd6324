import type { LeadSource } from '../contracts/lead-draft.js';

const utmKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
const clickIdKeys = ['gclid', 'yclid', 'fbclid', 'roistat_visit', '_ga', '_ym_uid', 'ttclid', 'msclkid'];

/**
 * Attribution found anywhere a mapper left it: the draft's source, leftover form fields, or the query
 * string of the landing page URL. What the mapper set explicitly wins.
 */
export function extractSource(source: LeadSource | undefined, fields: Record<string, string>): LeadSource {
  const utm: Record<string, string> = {};
  const clickIds: Record<string, string> = {};
  const page = source?.page ?? fields.page ?? fields.referer;
  if (page) {
    try {
      const url = new URL(page);
      for (const k of utmKeys) if (url.searchParams.get(k)) utm[k] = url.searchParams.get(k) as string;
      for (const k of clickIdKeys) if (url.searchParams.get(k)) clickIds[k] = url.searchParams.get(k) as string;
    } catch {
      // Not an absolute URL: nothing to extract from it.
    }
  }
  for (const k of utmKeys) if (fields[k]) utm[k] = fields[k];
  for (const k of clickIdKeys) if (fields[k]) clickIds[k] = fields[k];
  Object.assign(utm, source?.utm ?? {});
  Object.assign(clickIds, source?.clickIds ?? {});
  const out: LeadSource = { ...source };
  if (Object.keys(utm).length > 0) out.utm = utm;
  if (Object.keys(clickIds).length > 0) out.clickIds = clickIds;
  if (page) out.page = page;
  return out;
}
