/**
 * Realistic multi-channel traffic with ground truth, for bench/dedupe-traffic.bench.ts. Each request says
 * who really sent it (`person`), what kind of situation it stands for, and which identities the rules
 * should read from it (`keys`, written from the generator's own digits and addresses, never by running the
 * normalizer): two requests of one person are joinable when a chain of keys links them. Times are event
 * times over six weeks; e-mails carry them in their `Date:` header.
 */
export type TrafficKind =
  | 'solo' | 'messy-phone' | 'cross-channel' | 'shared-for-other' | 'retry' | 'spam' | 'window-edge'
  | 'office-phone' | 'office-mail' | 'site-notification' | 'mail-retry';

/** An e-mail as it lands in the mailbox; the bench writes it as MIME and APPENDs it over IMAP. */
export interface TrafficMail {
  messageId: string;
  from: string;
  replyTo?: string;
  subject: string;
  text: string;
}

export interface TrafficRequest {
  ref: string;
  person: number;
  kind: TrafficKind;
  channel: 'form' | 'call' | 'email';
  at: number;
  /** Form fields as the site posts them, or the call webhook body; empty for e-mail. */
  body: Record<string, string | number>;
  mail?: TrafficMail;
  /** Identities the rules should read (`phone:+7…`, `email:…`); shared office contacts are none. */
  keys: string[];
  /** Spam (honeypot filled) or a retry of an earlier request: neither may add a contact or a lead. */
  spam?: boolean;
  retryOf?: string;
}

/** What the operator configures: the office numbers and addresses of client firms, and the site's notifier. */
export interface TrafficSetup {
  sharedPhones: string[];
  sharedEmails: string[];
  notifier: string;
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
/** How people and messenger copies write numbers: labels, odd dashes, bidi marks, full width, a note after it, twice. */
const messy = (d: string, k: number): string => {
  const [a, b, c, e] = [d.slice(0, 3), d.slice(3, 6), d.slice(6, 8), d.slice(8)];
  return [
    `тел: 8 (${a}) ${b}-${c}-${e}`, `+7\u2011${a}\u2011${d.slice(3)}`, `\u202A+7 ${d}\u202C`,
    `＋７${d.replace(/\d/g, (x) => String.fromCharCode(0xff10 + Number(x)))}`, `'+7${d}`, `Анна +7${d}`,
    `8 ${a} ${b} ${c} ${e} (WhatsApp)`, `="+7${d}"`, `tel:+7-${a}-${b}-${c}-${e}`, `+7 (${a}) ${b}-${c}-${e} Анна, после 18:00`,
    `8\u00a0${a}\u00a0${b}\u2013${c}\u2013${e}`, `Моб.тел.: +7${a}${b}${c}${e}`, `8 ${a} ${b}-${c}-${e}, +7 (${a}) ${b}-${c}-${e}`,
  ][k % 13];
};
const emailSpell = (e: string, k: number): string => [e, e.toUpperCase(), ` ${e} `, `Client <${e}>`, `mailto:${e}`, `${e}.`, e.replace('@', '＠'), `"Петров, Иван" <${e}>`, `E-mail: ${e}`, `Почта:${e}`][k % 10];

const officeDigits = (p: number): string => `495${String(1_000_000 + p * 37).slice(-7)}`;

export function trafficSetup(people: number): TrafficSetup {
  const offices = [...Array(people).keys()].filter((p) => p % 12 === 8 || p % 12 === 9);
  return {
    sharedPhones: offices.filter((p) => p % 12 === 8).map((p) => `8 (${officeDigits(p).slice(0, 3)}) ${officeDigits(p).slice(3, 6)}-${officeDigits(p).slice(6, 8)}-${officeDigits(p).slice(8)}`),
    sharedEmails: offices.filter((p) => p % 12 === 9).map((p) => `office@firm${p}.example`),
    notifier: 'noreply@shop.example',
  };
}

export function generateTraffic(people: number, t0: number, seed = 7): TrafficRequest[] {
  const rnd = prng(seed);
  const out: TrafficRequest[] = [];
  let n = 0;
  const ref = (): string => `r${n++}`;
  const digitsOf = (p: number): string => `9${String(100_000_000 + p * 7919).slice(-9)}`;
  const phoneKey = (d: string): string => `phone:+7${d}`;
  const form = (person: number, kind: TrafficKind, at: number, fields: Record<string, string>, keys: string[], extra: Partial<TrafficRequest> = {}): TrafficRequest => {
    const r = ref();
    return { ref: r, person, kind, channel: 'form', at, body: { ...fields, submitted_at: new Date(at).toISOString(), ref: r }, keys, ...extra };
  };
  const call = (person: number, kind: TrafficKind, at: number, caller: string, keys: string[]): TrafficRequest => {
    const r = ref();
    return { ref: r, person, kind, channel: 'call', at, body: { callId: r, direction: 'inbound', caller, outcome: 'answered', startedAt: new Date(at).toISOString(), durationSec: 40 }, keys };
  };
  const mail = (person: number, kind: TrafficKind, at: number, m: Omit<TrafficMail, 'messageId'>, keys: string[]): TrafficRequest => {
    const r = ref();
    return { ref: r, person, kind, channel: 'email', at, body: {}, mail: { messageId: `<${r}.${at}@traffic.bench>`, ...m }, keys };
  };
  const notifier = 'noreply@shop.example';
  for (let p = 0; p < people; p++) {
    const d = digitsOf(p);
    const m = Math.floor(p / 12); // varies the spellings within a kind (p % 12 picks the kind)
    const email = `person${p}@mail.example`;
    const colleague = people + p; // a second person of the same firm: never the same contact as p
    let at = t0 + Math.floor(rnd() * 40 * D);
    const next = (gap = rnd() * 3 * D): number => (at += Math.floor(gap));
    switch (p % 12) {
      case 0:
      case 1: // one person, several requests over weeks, phone spelled differently each time
        for (let k = 0, m = 1 + Math.floor(rnd() * 4); k < m; k++) out.push(form(p, 'solo', next(), { name: 'Иван Петров', phone: clean(d, k + m) }, [phoneKey(d)]));
        break;
      case 2: // the same, but spelled as people copy numbers from messengers and documents
        out.push(form(p, 'messy-phone', next(), { name: 'Анна', phone: clean(d, m) }, [phoneKey(d)]));
        out.push(form(p, 'messy-phone', next(), { name: 'Анна', phone: messy(d, m) }, [phoneKey(d)]));
        out.push(form(p, 'messy-phone', next(), { name: 'Анна', phone: messy(d, m + 6) }, [phoneKey(d)]));
        break;
      case 3: // cross-channel: a call, a form linking phone and e-mail, a form with the e-mail only, then a letter
        out.push(call(p, 'cross-channel', next(), `+7${d}`, [phoneKey(d)]));
        out.push(form(p, 'cross-channel', next(2 * H), { phone: clean(d, m + 1), email: emailSpell(email, m) }, [phoneKey(d), `email:${email}`]));
        out.push(form(p, 'cross-channel', next(), { email: emailSpell(email, m + 1), comment: 'уточнение' }, [`email:${email}`]));
        out.push(mail(p, 'cross-channel', next(), { from: `Person ${p} <${email.toUpperCase()}>`, subject: 'Вопрос по заказу', text: `Добрый день!\nМой телефон ${clean(d, m)}.\n` }, [`email:${email}`]));
        break;
      case 4: // leaves a relative's number: the request is the relative's, who calls back later
        out.push(form(p, 'shared-for-other', next(), { name: 'Мария (для мужа)', phone: clean(d, m), comment: 'звонить мужу' }, [phoneKey(d)]));
        out.push(call(p, 'shared-for-other', next(5 * H), `8${d}`, [phoneKey(d)]));
        break;
      case 5: { // double submit and a network retry of the same id-less body, then a real repeat days later
        const body = { name: 'Олег', phone: clean(d, m), email };
        const keys = [phoneKey(d), `email:${email}`];
        const first = form(p, 'retry', next(), body, keys);
        out.push(first);
        out.push({ ...first, ref: ref(), at: first.at + 1500, retryOf: first.ref, body: first.body });
        out.push(form(p, 'retry', next(4 * D), body, keys));
        break;
      }
      case 6: // a bot reuses the real number in a honeypot form, then the person calls
        out.push(form(p, 'spam', next(), { name: 'x', phone: `+7${d}`, lg_hp: 'http://spam.example' }, [], { spam: true }));
        out.push(call(p, 'spam', next(10 * 60_000), `+7${d}`, [phoneKey(d)]));
        break;
      case 7: // window edges: 23 h 50 min after the lead (activity), then 24 h 10 min after it (new lead)
        out.push(form(p, 'window-edge', next(), { phone: clean(d, m) }, [phoneKey(d)]));
        out.push(form(p, 'window-edge', at + 23 * H + 50 * 60_000, { phone: clean(d, m + 2) }, [phoneKey(d)]));
        out.push(form(p, 'window-edge', at + 24 * H + 10 * 60_000, { phone: clean(d, m + 3) }, [phoneKey(d)]));
        at += 25 * H;
        break;
      case 8: { // two colleagues call from the firm's switchboard (a configured shared number), each also leaves their own contact
        const office = officeDigits(p);
        const c = digitsOf(colleague);
        out.push(call(p, 'office-phone', next(), `+7${office}`, []));
        out.push(form(p, 'office-phone', next(3 * H), { name: 'Сергей, ООО Ромашка', phone: clean(d, m), comment: `офис: 8 ${office}` }, [phoneKey(d)]));
        out.push(call(colleague, 'office-phone', next(), `8${office}`, []));
        out.push(form(colleague, 'office-phone', next(2 * H), { name: 'Ольга, ООО Ромашка', phone: `+7 ${office.slice(0, 3)} ${office.slice(3)} доб. 2${p % 10}` }, []));
        out.push(form(colleague, 'office-phone', next(), { name: 'Ольга', phone: clean(c, m), email: `olga${p}@firm${p}.example` }, [phoneKey(c), `email:olga${p}@firm${p}.example`]));
        out.push(call(colleague, 'office-phone', next(), `+7${c}`, [phoneKey(c)]));
        break;
      }
      case 9: { // a firm's shared office@ mailbox: colleagues write with their own Reply-To; once without one
        const office = `office@firm${p}.example`;
        const own = `ivan${p}@firm${p}.example`;
        const theirs = `olga${p}@firm${p}.example`;
        out.push(mail(p, 'office-mail', next(), { from: `ООО Ромашка <${office}>`, replyTo: `Иван <${own}>`, subject: 'Запрос КП', text: 'Пришлите КП.\n--\nОфис: +7 495 000-00-00' }, [`email:${own}`]));
        out.push(mail(colleague, 'office-mail', next(), { from: `ООО Ромашка <${office}>`, replyTo: `Ольга <${theirs}>`, subject: 'Счёт', text: 'Выставьте счёт.' }, [`email:${theirs}`]));
        out.push(mail(p, 'office-mail', next(), { from: `ООО Ромашка <${office}>`, replyTo: own.toUpperCase(), subject: 'Re: КП', text: 'Уточнение по КП' }, [`email:${own}`]));
        out.push(mail(colleague, 'office-mail', next(), { from: `ООО Ромашка <${office}>`, subject: 'Доставка', text: 'Когда доставка? Ольга' }, []));
        out.push(mail(p, 'office-mail', next(), { from: `ООО Ромашка <${office}>`, subject: 'Оплата', text: 'Оплатили. Иван' }, []));
        out.push(form(colleague, 'office-mail', next(), { name: 'Ольга', email: theirs }, [`email:${theirs}`]));
        break;
      }
      case 10: // the site's notifier sends every visitor's request from one noreply address; the visitor calls later
        out.push(mail(p, 'site-notification', next(), { from: `Сайт <${notifier}>`, subject: `Новая заявка с сайта №${p}`, text: `Имя: Пётр ${p}\nТелефон: ${m % 2 === 0 ? messy(d, m + 5) : clean(d, m)}\nE-mail: ${email}\nСообщение: перезвоните\n` }, [phoneKey(d), `email:${email}`]));
        out.push(mail(p, 'site-notification', next(), { from: notifier, replyTo: email, subject: 'Новая заявка с сайта', text: 'Имя: Пётр\nСообщение: ещё вопрос\n' }, [`email:${email}`]));
        out.push(call(p, 'site-notification', next(), `8${d}`, [phoneKey(d)]));
        break;
      default: { // the same letter delivered twice (a forwarding rule, a re-sent copy): one Message-ID
        const letter = mail(p, 'mail-retry', next(), { from: `Гость <${email}>`, subject: 'Заявка', text: `Телефон ${clean(d, m)}` }, [`email:${email}`]);
        out.push(letter);
        out.push({ ...letter, ref: ref(), at: letter.at + 60_000, retryOf: letter.ref });
        out.push(mail(p, 'mail-retry', at + 23 * H + 50 * 60_000, { from: email, subject: 'Ещё раз', text: 'Напоминаю о заявке' }, [`email:${email}`]));
        out.push(mail(p, 'mail-retry', at + 48 * H, { from: email, subject: 'Снова', text: 'Новая заявка' }, [`email:${email}`]));
        at += 49 * H;
      }
    }
  }
  return out.sort((a, b) => a.at - b.at || (a.ref < b.ref ? -1 : 1));
}

/**
 * The contacts the rules should produce: requests (spam and retries aside) linked by a shared key, each
 * group one contact. A request without any key is a contact of its own.
 */
export function expectedGroups(requests: TrafficRequest[]): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string): void => void parent.set(find(a), find(b));
  const real = requests.filter((r) => !r.spam && !r.retryOf);
  for (const r of real) {
    parent.set(r.ref, r.ref);
    for (const k of r.keys) if (!parent.has(k)) parent.set(k, k);
    for (const k of r.keys) union(r.ref, k);
  }
  return new Map(real.map((r) => [r.ref, find(r.ref)]));
}

/** Leads expected per contact group: requests in time order, a new lead when none opened in the last `windowMs`. */
export function expectedLeads(requests: TrafficRequest[], groups: Map<string, string>, windowMs: number): number {
  const byPerson = new Map<string, number[]>();
  for (const r of requests) if (!r.spam && !r.retryOf) byPerson.set(groups.get(r.ref) as string, [...(byPerson.get(groups.get(r.ref) as string) ?? []), r.at]);
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
