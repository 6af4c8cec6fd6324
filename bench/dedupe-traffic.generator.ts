/**
 * Realistic multi-channel traffic with ground truth, for bench/dedupe-traffic.bench.ts. Each request says
 * who really sent it (`person`), what kind of situation it stands for, and whether the current rules can
 * join it to the person's other requests at all (`joinable`); times are event times over six weeks.
 */
export type TrafficKind = 'solo' | 'messy-phone' | 'cross-channel' | 'shared-for-other' | 'retry' | 'spam' | 'window-edge';

export interface TrafficRequest {
  ref: string;
  person: number;
  kind: TrafficKind;
  channel: 'form' | 'call';
  at: number;
  /** Form fields as the site posts them, or the call webhook body. */
  body: Record<string, string | number>;
  /** Spam (honeypot filled) or a retry of an earlier request: neither may add a contact or a lead. */
  spam?: boolean;
  retryOf?: string;
  /** Spelled so the current phone rules refuse it: the join waits for the phone-spelling work. */
  phoneSpelling?: boolean;
}

const H = 3_600_000;
const D = 24 * H;

/** Deterministic PRNG so every run replays the same traffic. */
function prng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const clean = (d: string, k: number): string =>
  [`+7${d}`, `8 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`, `7${d}`, `+7 ${d.slice(0, 3)} ${d.slice(3)}`, `8-${d.slice(0, 3)}-${d.slice(3)}`, `+7 ${d} доб. 12`][k % 6];
/** How people and messenger copies really write numbers; the current rules refuse these. */
const messy = (d: string, k: number): string =>
  [`тел: 8 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`, `+7\u2011${d.slice(0, 3)}\u2011${d.slice(3)}`, `\u202A+7 ${d}\u202C`, `＋７${d.replace(/\d/g, (c) => String.fromCharCode(0xff10 + Number(c)))}`, `'+7${d}`, `Анна +7${d}`][k % 6];
const emailSpell = (e: string, k: number): string => [e, e.toUpperCase(), ` ${e} `, `Client <${e}>`][k % 4];

export function generateTraffic(people: number, t0: number, seed = 7): TrafficRequest[] {
  const rnd = prng(seed);
  const out: TrafficRequest[] = [];
  let n = 0;
  const ref = (): string => `r${n++}`;
  const digitsOf = (p: number): string => `9${String(100_000_000 + p * 7919).slice(-9)}`;
  const form = (person: number, kind: TrafficKind, at: number, fields: Record<string, string>, extra: Partial<TrafficRequest> = {}): TrafficRequest => {
    const r = ref();
    return { ref: r, person, kind, channel: 'form', at, body: { ...fields, submitted_at: new Date(at).toISOString(), ref: r }, ...extra };
  };
  const call = (person: number, kind: TrafficKind, at: number, caller: string): TrafficRequest => {
    const r = ref();
    return { ref: r, person, kind, channel: 'call', at, body: { callId: r, direction: 'inbound', caller, outcome: 'answered', startedAt: new Date(at).toISOString(), durationSec: 40 } };
  };
  for (let p = 0; p < people; p++) {
    const d = digitsOf(p);
    const email = `person${p}@mail.example`;
    let at = t0 + Math.floor(rnd() * 40 * D);
    const next = (gap = rnd() * 3 * D): number => (at += Math.floor(gap));
    switch (p % 8) {
      case 0:
      case 1: // one person, several requests over weeks, phone spelled differently each time
        for (let k = 0, m = 1 + Math.floor(rnd() * 4); k < m; k++) out.push(form(p, 'solo', next(), { name: 'Иван Петров', phone: clean(d, k + p) }));
        break;
      case 2: // the same, but spelled as people copy numbers from messengers and documents
        out.push(form(p, 'messy-phone', next(), { name: 'Анна', phone: clean(d, p) }));
        out.push(form(p, 'messy-phone', next(), { name: 'Анна', phone: messy(d, p) }, { phoneSpelling: true }));
        break;
      case 3: // cross-channel: a call, a form linking phone and e-mail, a form with the e-mail only
        out.push(call(p, 'cross-channel', next(), `+7${d}`));
        out.push(form(p, 'cross-channel', next(2 * H), { phone: clean(d, p + 1), email: emailSpell(email, p) }));
        out.push(form(p, 'cross-channel', next(), { email: emailSpell(email, p + 1), comment: 'уточнение' }));
        break;
      case 4: // leaves a relative's number: the request is the relative's, who calls back later
        out.push(form(p, 'shared-for-other', next(), { name: 'Мария (для мужа)', phone: clean(d, p), comment: 'звонить мужу' }));
        out.push(call(p, 'shared-for-other', next(5 * H), `8${d}`));
        break;
      case 5: { // double submit and a network retry of the same id-less body, then a real repeat days later
        const body = { name: 'Олег', phone: clean(d, p), email };
        const first = form(p, 'retry', next(), body);
        out.push(first);
        out.push({ ...first, ref: ref(), at: first.at + 1500, retryOf: first.ref, body: first.body });
        out.push(form(p, 'retry', next(4 * D), body));
        break;
      }
      case 6: // a bot reuses the real number in a honeypot form, then the person calls
        out.push(form(p, 'spam', next(), { name: 'x', phone: `+7${d}`, lg_hp: 'http://spam.example' }, { spam: true }));
        out.push(call(p, 'spam', next(10 * 60_000), `+7${d}`));
        break;
      default: // window edges: 23 h 50 min after the lead (activity), then 24 h 10 min after it (new lead)
        out.push(form(p, 'window-edge', next(), { phone: clean(d, p) }));
        out.push(form(p, 'window-edge', at + 23 * H + 50 * 60_000, { phone: clean(d, p + 2) }));
        out.push(form(p, 'window-edge', at + 24 * H + 10 * 60_000, { phone: clean(d, p + 3) }));
        at += 25 * H;
    }
  }
  return out.sort((a, b) => a.at - b.at || (a.ref < b.ref ? -1 : 1));
}

/** Leads a human expects per person: requests in time order, a new lead when none opened in the last `windowMs`. */
export function expectedLeads(requests: TrafficRequest[], windowMs: number): number {
  const byPerson = new Map<number, number[]>();
  for (const r of requests) if (!r.spam && !r.retryOf) byPerson.set(r.person, [...(byPerson.get(r.person) ?? []), r.at]);
  let leads = 0;
  for (const times of byPerson.values()) {
    let open = -Infinity;
    for (const t of times.sort((a, b) => a - b)) {
      if (t - open >= windowMs) {
        leads++;
        open = t;
      }
    }
  }
  return leads;
}
