import { LeadgateError } from '../../contracts/errors.js';
import type { FormRule } from './email.config.js';
import type { EmailPayload, ExtractedForm } from './email.payload.js';

/** Labels recognised in every rule, as sites (Tilda, Bitrix, CF7, WordPress) write them. */
const DEFAULT_LABELS: Readonly<Record<string, readonly string[]>> = {
  name: ['Имя', 'ФИО', 'Ваше имя', 'Name', 'Your name', 'Full name'],
  phone: ['Телефон', 'Тел', 'Номер телефона', 'Ваш телефон', 'Phone', 'Phone number', 'Tel'],
  email: ['E-mail', 'Email', 'Эл. почта', 'Электронная почта', 'Почта', 'Ваш e-mail', 'Mail'],
  message: ['Сообщение', 'Комментарий', 'Вопрос', 'Текст', 'Message', 'Comment', 'Your message'],
};

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface CompiledFormRule {
  name: string;
  from?: RegExp;
  subject?: RegExp;
  /** Per field: regexes whose first group is the value, tried in order. */
  fields: [string, RegExp[]][];
}

function compileRegex(source: string, flags: string, where: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (cause) {
    throw new LeadgateError('CONFIG_INVALID', `${where}: invalid regular expression`, { cause, details: { pattern: source } });
  }
}

/** A `Label: value` line (also `Label - value`, `Label = value`), label matched as a whole word at line start. */
function labelRegex(labels: readonly string[]): RegExp {
  const alternatives = [...labels].sort((a, b) => b.length - a.length).map(escape).join('|');
  return new RegExp(`^[ \\t*•-]*(?:${alternatives})[ \\t]*[:=—–-][ \\t]*(.+?)[ \\t]*$`, 'imu');
}

/** Compiles the rules once at start; a bad pattern fails the start with CONFIG_INVALID. */
export function compileFormRules(rules: readonly FormRule[]): CompiledFormRule[] {
  return rules.map((rule, i) => {
    const where = `formRules[${i}] (${rule.name})`;
    const names = new Set([...Object.keys(DEFAULT_LABELS), ...Object.keys(rule.labels ?? {}), ...Object.keys(rule.fields ?? {})]);
    const fields: [string, RegExp[]][] = [...names].map((field) => {
      const patterns: RegExp[] = [];
      const custom = rule.fields?.[field];
      if (custom !== undefined) patterns.push(compileRegex(custom, 'imu', `${where}.fields.${field}`));
      const labels = [...(rule.labels?.[field] ?? []), ...(DEFAULT_LABELS[field] ?? [])];
      if (labels.length > 0) patterns.push(labelRegex(labels));
      return [field, patterns];
    });
    const compiled: CompiledFormRule = { name: rule.name, fields };
    if (rule.from !== undefined) compiled.from = compileRegex(rule.from, 'iu', `${where}.from`);
    if (rule.subject !== undefined) compiled.subject = compileRegex(rule.subject, 'iu', `${where}.subject`);
    return compiled;
  });
}

function matches(rule: CompiledFormRule, p: EmailPayload): boolean {
  if (rule.from && !p.from.some((a) => rule.from?.test(a.address))) return false;
  if (rule.subject && !rule.subject.test(p.subject ?? '')) return false;
  return true;
}

const splitValues = (value: string): string[] =>
  value
    .split(/[,;]\s*/)
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

/**
 * Applies the first matching rule to the message text. Runs in the ingress (it needs the config); its
 * result travels in the payload as `extracted`, so the mapper stays pure and a replay maps the same.
 */
export function applyFormRules(rules: readonly CompiledFormRule[], p: EmailPayload): ExtractedForm | undefined {
  const rule = rules.find((r) => matches(r, p));
  if (!rule) return undefined;
  const text = p.text ?? '';
  const out: ExtractedForm = { rule: rule.name, phones: [], emails: [], fields: {} };
  for (const [field, patterns] of rule.fields) {
    const value = patterns.map((re) => re.exec(text)?.[1]?.trim()).find((v) => v !== undefined && v !== '');
    if (value === undefined) continue;
    if (field === 'phone') out.phones = splitValues(value);
    else if (field === 'email') out.emails = splitValues(value).filter((v) => v.includes('@'));
    else if (field === 'name') out.name = value;
    else if (field === 'message') out.message = value;
    else out.fields[field] = value;
  }
  return out;
}
