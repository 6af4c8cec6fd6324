/** What must never appear in clear in the logs. */
export interface Secrets {
  /** National significant numbers (`9161234567`): found in any spelling, `+7…`, `8…`, spaced, dashed, URL-encoded. */
  phones: string[];
  /** Found case-insensitively, also URL-encoded; the masked `a***@example.com` is fine. */
  emails: string[];
  /** Tokens and keys, found verbatim. */
  tokens: string[];
  /** Names, free text and custom field values: never logged above debug; found case-insensitively, also URL-encoded. */
  texts?: string[];
}

/** Digit runs with the separators people and forms put into phone numbers (`+7 (916) 123-45-67`, `+7+916+…`). */
const digitRun = /\d[\d\s().+-]*\d/g;

/** `text` with %XX and JSON unicode escapes decoded where they decode, so Cyrillic names are found in any spelling. */
function safeDecode(text: string): string {
  const unescaped = text.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return unescaped.replace(/(?:%[0-9a-fA-F]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

/** Every place in `text` where one of `secrets` appears unmasked, as `kind: excerpt`. */
export function findLeaks(text: string, secrets: Secrets): string[] {
  const leaks: string[] = [];
  // %2B, %20, %28 … become spaces so URL-encoded numbers and addresses are scanned like plain ones.
  const decoded = text.replace(/%40/gi, '@').replace(/%[0-9a-f]{2}/gi, ' ');
  for (const run of decoded.match(digitRun) ?? []) {
    const digits = run.replace(/\D/g, '');
    for (const phone of secrets.phones) if (digits.includes(phone)) leaks.push(`phone ${phone}: ${run}`);
  }
  const lower = decoded.toLowerCase();
  for (const email of secrets.emails) {
    const at = lower.indexOf(email.toLowerCase());
    if (at >= 0) leaks.push(`email ${email}: ${decoded.slice(Math.max(0, at - 40), at + email.length + 40)}`);
  }
  for (const t of secrets.texts ?? []) {
    const needle = t.toLowerCase();
    for (const haystack of [lower, safeDecode(text).toLowerCase()]) {
      const at = haystack.indexOf(needle);
      if (at >= 0) {
        leaks.push(`text ${t}: ${haystack.slice(Math.max(0, at - 40), at + t.length + 40)}`);
        break;
      }
    }
  }
  for (const token of secrets.tokens) {
    const at = text.indexOf(token);
    if (at >= 0) leaks.push(`token ${token.slice(0, 4)}…: ${text.slice(Math.max(0, at - 40), at + token.length + 40)}`);
  }
  return leaks;
}
