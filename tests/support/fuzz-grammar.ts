import fc from 'fast-check';
import type { RawRequest } from './fuzz-client.js';
import { setHeader, type Mutation, type MutatedRequest } from './fuzz-mutations.js';

/**
 * Mutations that know the grammar of what they break: multipart parts cut at a chosen byte of a part
 * header or body, chunked framing broken in the ways proxies and bots break it, NUL and lone surrogates
 * put into one field (or key) of the body, emoji-heavy values just around every length limit, header
 * parameters that do not decode, invalid percent-encoding and charsets that lie.
 */

const contentTypeOf = (req: RawRequest): string => req.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';

/** The body's fields as name/value pairs, whatever its encoding (a JSON body becomes its top-level strings). */
function fieldsOf(req: RawRequest): [string, string][] {
  const text = req.body.toString('utf8');
  if (contentTypeOf(req).includes('json')) {
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
      }
    } catch {
      // not JSON after all: fall through to form decoding
    }
  }
  return [...new URLSearchParams(req.path.includes('?') && req.body.length === 0 ? req.path.split('?')[1] : text).entries()];
}

const BOUNDARY = 'gRaMmArBoUnDaRy';

/** The request's fields as a multipart body with one file part; `header` overrides the file part's disposition. */
function multipartOf(req: RawRequest, disposition = 'form-data; name="attachment"; filename="cv.pdf"'): { body: Buffer; partStarts: number[] } {
  const parts: Buffer[] = [];
  const partStarts: number[] = [];
  let at = 0;
  const push = (b: Buffer): void => {
    parts.push(b);
    at += b.length;
  };
  for (const [name, value] of fieldsOf(req)) {
    partStarts.push(at);
    push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, '%22')}"\r\n\r\n${value}\r\n`));
  }
  partStarts.push(at);
  push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 ${'x'.repeat(64)}\r\n`));
  push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return { body: Buffer.concat(parts), partStarts };
}

const asMultipart = (req: RawRequest, body: Buffer): RawRequest => ({ ...req, headers: setHeader(req.headers, 'Content-Type', `multipart/form-data; boundary=${BOUNDARY}`), body });

/** Cut at a byte inside one part (its header or its body): every byte boundary is reachable. */
const truncatedPart = fc.tuple(fc.nat(), fc.nat(400)).map<Mutation>(([pick, offset]) => ({
  label: 'multipart-truncated-part',
  apply: (r) => {
    const { body, partStarts } = multipartOf(r);
    const start = partStarts[pick % partStarts.length] ?? 0;
    return asMultipart(r, body.subarray(0, Math.min(body.length - 1, start + offset)));
  },
}));

const undecodableDispositions = [
  "form-data; name*=UTF-8''%FF%FE",
  "form-data; name*=UTF-8''%",
  "form-data; name*=x-bogus''abc",
  'form-data; name="a"; filename*=UTF-8\'\'%C3%28',
  'form-data; name',
  'form-data; name=""',
  'form-data; name="\u0000"',
  'attachment',
  `form-data; name="${'n'.repeat(5000)}"`,
];
const undecodableParams = fc.tuple(fc.constantFrom(...undecodableDispositions), fc.boolean()).map<Mutation>(([disposition, cut]) => ({
  label: 'undecodable-header-param',
  apply: (r) => {
    const { body } = multipartOf(r, disposition);
    return asMultipart(r, cut ? body.subarray(0, body.length - 10) : body);
  },
}));

const badContentTypeParams = fc
  .constantFrom(
    "multipart/form-data; boundary*=UTF-8''%FF",
    'multipart/form-data; boundary="unterminated',
    `multipart/form-data; boundary=${'b'.repeat(200)}`,
    "application/json; charset*=UTF-8''%FF%FE",
    'application/x-www-form-urlencoded; charset=utf-16le',
    'application/x-www-form-urlencoded; charset=iso-2022-jp',
    'application/json; charset=utf-16',
    'application/json; charset=ascii',
  )
  .map<Mutation>((ct) => ({ label: 'undecodable-content-type', apply: (r) => ({ ...r, headers: setHeader(r.headers, 'Content-Type', ct) }) }));

/** Framing Node's parser must refuse (never a body that merely stops: that is the request timeout's job). */
const brokenChunks = fc.constantFrom('bad-size', 'negative', 'overflow', 'extension', 'lf-only', 'size-mismatch', 'no-terminator-crlf').map<Mutation>((kind) => ({
  label: `chunked-${kind}`,
  apply: (r) => {
    const b = r.body.toString('latin1');
    const size = r.body.length.toString(16);
    const wire = {
      'bad-size': `zz\r\n${b}\r\n0\r\n\r\n`,
      negative: `-${size}\r\n${b}\r\n0\r\n\r\n`,
      overflow: `ffffffffffffffffffff\r\n${b}\r\n0\r\n\r\n`,
      extension: `${size};${'e'.repeat(20_000)}\r\n${b}\r\n0\r\n\r\n`,
      'lf-only': `${size}\n${b}\n0\n\n`,
      'size-mismatch': `1\r\n${b}\r\n0\r\n\r\n`,
      'no-terminator-crlf': `${size}\r\n${b}0\r\n\r\n`,
    }[kind];
    const out: MutatedRequest = { ...r, headers: [...r.headers, ['Transfer-Encoding', 'chunked']], body: Buffer.from(wire, 'latin1'), noContentLength: true, effectiveBody: r.body };
    return out;
  },
}));

/** Every string leaf (and key) of a JSON value, as a path. */
function stringPaths(value: unknown, path: (string | number)[] = [], out: { path: (string | number)[]; key: boolean }[] = []): typeof out {
  if (typeof value === 'string') out.push({ path, key: false });
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = [...path, Array.isArray(value) ? Number(k) : k];
      if (!Array.isArray(value)) out.push({ path: p, key: true });
      stringPaths(v, p, out);
    }
  }
  return out;
}

/** Rewrites one string leaf or key of a JSON body (`edit` gets the old text); other bodies get it in one form field. */
function editOneField(r: RawRequest, pick: number, edit: (old: string) => string, formEdit: (old: string) => string): RawRequest {
  const text = r.body.toString('utf8');
  try {
    const root = JSON.parse(text) as unknown;
    const paths = stringPaths(root);
    const target = paths[pick % Math.max(paths.length, 1)];
    if (target && root && typeof root === 'object') {
      let parent = root as Record<string | number, unknown>;
      for (const p of target.path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
      const last = target.path[target.path.length - 1] ?? '';
      if (target.key) {
        const v = parent[last];
        delete parent[last];
        parent[edit(String(last))] = v;
      } else parent[last] = edit(String(parent[last]));
      // JSON.stringify escapes lone surrogates as \udXXX, exactly what a hostile client would send.
      return { ...r, body: Buffer.from(JSON.stringify(root)) };
    }
  } catch {
    // a form body
  }
  const pairs = text.split('&');
  const i = pick % Math.max(pairs.length, 1);
  const [k = '', v = ''] = (pairs[i] ?? '').split('=');
  pairs[i] = pick % 5 === 0 ? `${formEdit(k)}=${v}` : `${k}=${formEdit(v)}`;
  return { ...r, body: Buffer.from(pairs.join('&')) };
}

const poison = fc.tuple(fc.nat(), fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d', 'a\u0000\ud800b'), fc.nat(3)).map<Mutation>(([pick, bad, where]) => ({
  label: bad.includes('\u0000') && bad.length === 1 ? 'nul-in-field' : 'surrogate-in-field',
  apply: (r) =>
    editOneField(
      r,
      pick,
      (old) => (where === 0 ? bad + old : where === 1 ? old + bad : `${old.slice(0, 1)}${bad}${old.slice(1)}`),
      (old) => `${old}${encodeURIComponent(bad.replace(/[\ud800-\udfff]/g, '')) || '%00'}%00`,
    ),
}));

const LIMITS = [64, 100, 200, 500, 512, 1000, 10_000];
const EMOJI = ['😀', '👍🏽', '🇷🇺', '👨‍👩‍👧‍👦', 'é', 'я'];
const emojiNearLimit = fc.tuple(fc.nat(), fc.constantFrom(...LIMITS), fc.integer({ min: -3, max: 3 }), fc.constantFrom(...EMOJI)).map<Mutation>(([pick, limit, delta, emoji]) => ({
  label: 'emoji-near-limit',
  apply: (r) => {
    let text = 'A';
    while (text.length < limit + delta) text += emoji;
    return editOneField(r, pick, () => text, () => encodeURIComponent(text));
  },
}));

const badPercent = fc.tuple(fc.nat(), fc.constantFrom('%', '%zz', '%E0%A4', '%C3', '%ED%A0%80', '%F4%90%80%80', '%u0041', '%%41', '%0')).map<Mutation>(([pick, bad]) => ({
  label: 'invalid-percent-encoding',
  apply: (r) => {
    if (r.body.length === 0) return { ...r, path: `${r.path}${r.path.includes('?') ? '&' : '?'}x=${bad}` };
    const ct = contentTypeOf(r);
    if (ct.includes('json')) {
      const form = new URLSearchParams(fieldsOf(r)).toString();
      return { ...r, headers: setHeader(r.headers, 'Content-Type', 'application/x-www-form-urlencoded'), body: Buffer.from(`${form}&${bad}=${bad}`) };
    }
    const pairs = r.body.toString('latin1').split('&');
    const i = pick % Math.max(pairs.length, 1);
    pairs[i] = `${pairs[i] ?? ''}${bad}`;
    return { ...r, body: Buffer.from(pairs.join('&'), 'latin1') };
  },
}));

/** The grammar-aware mutations, each about as likely as the others. */
export function grammarMutationArb(): fc.Arbitrary<Mutation> {
  return fc.oneof(truncatedPart, undecodableParams, badContentTypeParams, brokenChunks, poison, emojiNearLimit, badPercent);
}
