import { LeadgateError } from '../../contracts/errors.js';
import { buildConfig } from '../../config/config.loader.js';
import type { LeadFacts } from '../../router/rules/rule.matcher.js';
import type { OwnerConfig, RoutingRule } from '../../router/rules/routing.config.js';
import { RoutingEngine, smoothWeightedSequence, type RoutingState } from '../../router/rules/routing.engine.js';
import { inWindow, localTime, withinHours } from '../../router/rules/time-window.js';

/** The store's RoutingState in memory: switches, open-lead counts and shared counters. */
class MemoryState implements RoutingState {
  readonly switches = new Map<string, boolean>();
  readonly open = new Map<string, number>();
  readonly counters = new Map<string, number>();

  async availability(ids: readonly string[]): Promise<Map<string, boolean>> {
    return new Map([...this.switches].filter(([id]) => ids.includes(id)));
  }

  async openLeads(ids: readonly string[]): Promise<Map<string, number>> {
    return new Map([...this.open].filter(([id]) => ids.includes(id)));
  }

  async tick(key: string): Promise<number> {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }
}

const facts = (extra: Partial<LeadFacts> = {}): LeadFacts => ({ channel: 'form', connectorId: 'site', utm: {}, tags: [], ...extra });
const rule = (id: string, match: RoutingRule['match'], pool: string[], strategy: RoutingRule['strategy'] = 'round_robin', extra: Partial<RoutingRule> = {}): RoutingRule => ({
  id,
  match,
  pool,
  strategy,
  ...extra,
});
const owners = (...ids: string[]): OwnerConfig[] => ids.map((id) => ({ id }));

// A Friday in May 2024 (no DST in Moscow or Vladivostok; Berlin on summer time).
const fri1230utc = new Date('2024-05-17T12:30:00Z'); // Moscow 15:30 Fri, Vladivostok 22:30 Fri

describe('rule matching: which rule a lead takes', () => {
  const rules: RoutingRule[] = [
    rule('calls', { channels: ['call'] }, ['a']),
    rule('partner', { connectors: ['partner-form'] }, ['a']),
    rule('yandex-cpc', { utm: { utm_source: ['yandex'], utm_medium: ['cpc'] } }, ['a']),
    rule('vip', { tags: ['vip', 'gold'] }, ['a']),
    rule('moscow', { phonePrefixes: ['+7495', '+7499'] }, ['a']),
    rule('kazakhstan', { phoneCountries: ['KZ'] }, ['a']),
    rule('russia', { phoneCountries: ['RU'] }, ['a']),
    rule('night-msk', { time: { timezone: 'Europe/Moscow', days: ['fri'], from: '22:00', to: '06:00' } }, ['a']),
    rule('evening-vvo', { time: { timezone: 'Asia/Vladivostok', days: ['fri'], from: '22:00', to: '23:00' } }, ['a']),
    rule('office-berlin', { time: { timezone: 'Europe/Berlin', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' } }, ['a']),
  ];
  const engine = new RoutingEngine({ owners: owners('a'), rules });

  test.each<[string, Partial<LeadFacts>, string, string | undefined]>([
    ['channel', { channel: 'call' }, '2024-05-18T12:00:00Z', 'calls'],
    ['connector id', { connectorId: 'partner-form' }, '2024-05-18T12:00:00Z', 'partner'],
    ['every utm condition holds', { utm: { utm_source: 'yandex', utm_medium: 'cpc' } }, '2024-05-18T12:00:00Z', 'yandex-cpc'],
    ['one utm condition fails', { utm: { utm_source: 'yandex', utm_medium: 'organic' } }, '2024-05-18T12:00:00Z', undefined],
    ['a utm field is missing', { utm: { utm_source: 'yandex' } }, '2024-05-18T12:00:00Z', undefined],
    ['any of the tags', { tags: ['new', 'gold'] }, '2024-05-18T12:00:00Z', 'vip'],
    ['E.164 prefix of a region', { phone: '+74951234567' }, '2024-05-18T12:00:00Z', 'moscow'],
    ['+7 7xx is Kazakhstan, not Russia', { phone: '+77012345678' }, '2024-05-18T12:00:00Z', 'kazakhstan'],
    ['a Russian mobile', { phone: '+79161234567' }, '2024-05-18T12:00:00Z', 'russia'],
    ['no phone matches no phone rule', {}, '2024-05-18T12:00:00Z', undefined],
    ['an unparseable phone has no country', { phone: '+0000' }, '2024-05-18T12:00:00Z', undefined],
    // Fri 22:00–06:00 Moscow (UTC+3) belongs to Friday and runs into Saturday.
    ['night window, Friday 23:30 Moscow', {}, '2024-05-17T20:30:00Z', 'night-msk'],
    ['night window, Saturday 03:00 Moscow (after midnight)', {}, '2024-05-18T00:00:00Z', 'night-msk'],
    ['night window ends at 06:00 Moscow Saturday', {}, '2024-05-18T03:00:00Z', undefined],
    ['night window, Friday 21:59 Moscow is before it', {}, '2024-05-17T18:59:00Z', undefined],
    ['night window does not reach Sunday 03:00', {}, '2024-05-19T00:00:00Z', undefined],
    // The same instant is 15:30 in Moscow and 22:30 in Vladivostok (UTC+10).
    ['Vladivostok evening while Moscow is in the afternoon', {}, fri1230utc.toISOString(), 'evening-vvo'],
    // Berlin office hours: 09:30 local is 08:30Z in winter (CET) and 07:30Z in summer (CEST).
    ['Berlin 09:30 in winter (CET, UTC+1)', {}, '2024-03-28T08:30:00Z', 'office-berlin'],
    ['Berlin 08:30 in winter: before opening', {}, '2024-03-28T07:30:00Z', undefined],
    ['Berlin 09:30 in summer (CEST, UTC+2)', {}, '2024-04-02T07:30:00Z', 'office-berlin'],
    ['Berlin 17:30 in winter is open', {}, '2024-03-28T16:30:00Z', 'office-berlin'],
    ['Berlin 18:30 in summer is closed (same UTC time)', {}, '2024-04-02T16:30:00Z', undefined],
    ['the first matching rule wins', { channel: 'call', tags: ['vip'] }, '2024-05-18T12:00:00Z', 'calls'],
  ])('%s', (_name, extra, at, expected) => {
    expect(engine.matchRule(facts(extra), new Date(at))?.id).toBe(expected);
  });
});

describe('time windows', () => {
  test.each<[string, string, string, boolean]>([
    ['sat 22:00–06:00 covers Sunday 05:59', '2024-05-19T02:59:00Z', 'sat', true],
    ['sat 22:00–06:00 stops at Sunday 06:00', '2024-05-19T03:00:00Z', 'sat', false],
    ['sun 22:00–06:00 covers Monday 01:00 (week wraps)', '2024-05-19T22:00:00Z', 'sun', true],
    ['sun 22:00–06:00 does not cover Sunday 01:00', '2024-05-18T22:00:00Z', 'sun', false],
  ])('%s (Moscow)', (_name, at, day, expected) => {
    const time = localTime(new Date(at), 'Europe/Moscow');
    expect(inWindow(time, { days: [day as 'sat' | 'sun'], from: '22:00', to: '06:00' })).toBe(expected);
  });

  test('midnight is minute 0, not 24:00', () => {
    expect(localTime(new Date('2024-05-17T21:00:00Z'), 'Europe/Moscow')).toEqual({ day: 'sat', minutes: 0 });
  });

  test('Berlin skips 02:00–03:00 on the spring-forward night and repeats it in autumn', () => {
    expect(localTime(new Date('2024-03-31T00:59:00Z'), 'Europe/Berlin')).toEqual({ day: 'sun', minutes: 60 + 59 });
    expect(localTime(new Date('2024-03-31T01:00:00Z'), 'Europe/Berlin')).toEqual({ day: 'sun', minutes: 180 });
    expect(localTime(new Date('2024-10-27T00:30:00Z'), 'Europe/Berlin')).toEqual({ day: 'sun', minutes: 150 });
    expect(localTime(new Date('2024-10-27T01:30:00Z'), 'Europe/Berlin')).toEqual({ day: 'sun', minutes: 150 });
  });

  test('working hours with several windows', () => {
    const hours = { timezone: 'Asia/Vladivostok', windows: [{ days: ['mon' as const], from: '09:00', to: '13:00' }, { days: ['mon' as const], from: '14:00', to: '18:00' }] };
    expect(withinHours(new Date('2024-05-20T02:00:00Z'), hours)).toBe(true); // Mon 12:00
    expect(withinHours(new Date('2024-05-20T03:30:00Z'), hours)).toBe(false); // Mon 13:30, lunch
    expect(withinHours(new Date('2024-05-20T04:00:00Z'), hours)).toBe(true); // Mon 14:00
  });
});

describe('owner eligibility and strategies', () => {
  const monday10msk = new Date('2024-05-20T07:00:00Z'); // Moscow 10:00 Mon, Vladivostok 17:00 Mon

  test.each<[string, OwnerConfig[], (s: MemoryState) => void, string, string[]]>([
    ['everybody eligible: the pool order', owners('a', 'b'), () => undefined, 'a', []],
    ['switched off through the admin API', owners('a', 'b'), (s) => s.switches.set('a', false), 'b', ['a:unavailable']],
    ['unavailable in config', [{ id: 'a', available: false }, { id: 'b' }], () => undefined, 'b', ['a:unavailable']],
    ['the switch overrides config', [{ id: 'a', available: false }, { id: 'b' }], (s) => s.switches.set('a', true), 'a', []],
    [
      'outside working hours in their own zone',
      [{ id: 'a', hours: { timezone: 'Asia/Vladivostok', windows: [{ days: ['mon'], from: '09:00', to: '17:00' }] } }, { id: 'b' }],
      () => undefined,
      'b',
      ['a:off_hours'],
    ],
    [
      'inside working hours in their own zone',
      [{ id: 'a', hours: { timezone: 'Europe/Moscow', windows: [{ days: ['mon'], from: '09:00', to: '17:00' }] } }, { id: 'b' }],
      () => undefined,
      'a',
      [],
    ],
    ['at capacity', [{ id: 'a', capacity: 2 }, { id: 'b' }], (s) => s.open.set('a', 2), 'b', ['a:at_capacity']],
    ['below capacity', [{ id: 'a', capacity: 2 }, { id: 'b' }], (s) => s.open.set('a', 1), 'a', []],
    ['capacity 0 takes nothing', [{ id: 'a', capacity: 0 }, { id: 'b' }], () => undefined, 'b', ['a:at_capacity']],
  ])('%s', async (_name, config, setup, expected, skipped) => {
    const engine = new RoutingEngine({ owners: config, rules: [rule('r', {}, ['a', 'b'], 'fixed')] });
    const state = new MemoryState();
    setup(state);
    const decision = await engine.decide(facts(), state, monday10msk);
    expect(decision).toMatchObject({ ownerId: expected, ruleId: 'r', reason: 'strategy' });
    expect(decision.skipped.map((s) => `${s.ownerId}:${s.reason}`)).toEqual(skipped);
  });

  test('round_robin: exact shares over many leads, shared counter per rule', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b', 'c', 'd'), rules: [rule('rr', {}, ['a', 'b', 'c', 'd'])] });
    const state = new MemoryState();
    const counts = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const { ownerId } = await engine.decide(facts(), state);
      counts.set(ownerId, (counts.get(ownerId) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ a: 25, b: 25, c: 25, d: 25 });
    expect(state.counters.get('rule:rr')).toBe(100);
  });

  test('round_robin skips an owner switched off and keeps rotating among the rest', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b', 'c'), rules: [rule('rr', {}, ['a', 'b', 'c'])] });
    const state = new MemoryState();
    state.switches.set('b', false);
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((await engine.decide(facts(), state)).ownerId);
    expect(picks).toEqual(['a', 'c', 'a', 'c']);
  });

  test('weighted: exact shares over each cycle, spread out', async () => {
    const engine = new RoutingEngine({ owners: [{ id: 'a', weight: 5 }, { id: 'b', weight: 1 }, { id: 'c', weight: 1 }], rules: [rule('w', {}, ['a', 'b', 'c'], 'weighted')] });
    const state = new MemoryState();
    const picks: string[] = [];
    for (let i = 0; i < 21; i++) picks.push((await engine.decide(facts(), state)).ownerId);
    for (let cycle = 0; cycle < 3; cycle++) {
      const slice = picks.slice(cycle * 7, cycle * 7 + 7);
      expect(slice.filter((p) => p === 'a')).toHaveLength(5);
      expect(slice.filter((p) => p === 'b')).toHaveLength(1);
      expect(slice.filter((p) => p === 'c')).toHaveLength(1);
    }
    // Spread within a cycle rather than a run of five.
    expect(picks.slice(0, 7).join('')).toBe('aabacaa');
  });

  test('smooth weighted sequence', () => {
    expect(smoothWeightedSequence([{ id: 'a', weight: 5 }, { id: 'b', weight: 1 }, { id: 'c', weight: 1 }]).join('')).toBe('aabacaa');
    expect(smoothWeightedSequence([{ id: 'a', weight: 3 }, { id: 'b', weight: 1 }])).toHaveLength(4);
  });

  test('least_open_leads: the owner with fewest open leads, ties in pool order (no capacities set)', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b', 'c'), rules: [rule('least', {}, ['a', 'b', 'c'], 'least_open_leads')] });
    const state = new MemoryState();
    state.open.set('a', 3).set('b', 1).set('c', 2);
    expect((await engine.decide(facts(), state)).ownerId).toBe('b');
    state.open.set('b', 2);
    expect((await engine.decide(facts(), state)).ownerId).toBe('b');
    state.open.set('b', 3);
    expect((await engine.decide(facts(), state)).ownerId).toBe('c');
    expect(engine.countsOpenLeads(engine.rule('least') as RoutingRule)).toBe(true);
  });

  test('fixed: the first owner of the pool, the next one stands in', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b', 'c'), rules: [rule('f', {}, ['b', 'a'], 'fixed')] });
    const state = new MemoryState();
    expect((await engine.decide(facts(), state)).ownerId).toBe('b');
    expect((await engine.decide(facts(), state)).ownerId).toBe('b');
    state.switches.set('b', false);
    expect((await engine.decide(facts(), state)).ownerId).toBe('a');
  });

  test('sticky: the contact keeps its owner, even one outside the pool', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b', 'c'), rules: [rule('s', {}, ['a', 'b'], 'sticky')] });
    const state = new MemoryState();
    expect(await engine.decide(facts({ contactOwnerId: 'c' }), state)).toMatchObject({ ownerId: 'c', reason: 'sticky' });
    expect(state.counters.size).toBe(0);
  });

  test.each<[string, (s: MemoryState) => void]>([
    ['switched off', (s) => s.switches.set('c', false)],
    ['at capacity', (s) => s.open.set('c', 1)],
  ])('sticky falls back to the pool in rotation when the contact owner is %s', async (_name, setup) => {
    const engine = new RoutingEngine({ owners: [{ id: 'a' }, { id: 'b' }, { id: 'c', capacity: 1 }], rules: [rule('s', {}, ['a', 'b'], 'sticky')] });
    const state = new MemoryState();
    setup(state);
    const first = await engine.decide(facts({ contactOwnerId: 'c' }), state);
    const second = await engine.decide(facts({ contactOwnerId: 'c' }), state);
    expect([first.ownerId, second.ownerId]).toEqual(['a', 'b']);
    expect(first.reason).toBe('strategy');
  });

  test('sticky with an empty pool means every owner; an owner no longer configured is not sticky', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b'), rules: [rule('s', {}, [], 'sticky')] });
    const state = new MemoryState();
    expect((await engine.decide(facts({ contactOwnerId: 'gone' }), state)).ownerId).toBe('a');
    expect((await engine.decide(facts({ contactOwnerId: 'gone' }), state)).ownerId).toBe('b');
  });
});

describe('fallback and exhaustion', () => {
  test('no rule matches: the fallback owner, without an SLA', async () => {
    const engine = new RoutingEngine({ owners: owners('a'), rules: [rule('calls', { channels: ['call'] }, ['a'], 'round_robin', { slaMinutes: 15 })], fallbackOwner: 'queue' });
    expect(await engine.decide(facts(), new MemoryState())).toEqual({ ownerId: 'queue', ruleId: 'fallback', strategy: 'fallback', reason: 'fallback', skipped: [] });
  });

  test('nobody in the pool can take it: the fallback owner, keeping the rule SLA and naming who was skipped', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b'), rules: [rule('r', {}, ['a', 'b'], 'round_robin', { slaMinutes: 10, escalation: ['reassign'] })], fallbackOwner: 'queue' });
    const state = new MemoryState();
    state.switches.set('a', false).set('b', false);
    expect(await engine.decide(facts(), state)).toMatchObject({
      ownerId: 'queue',
      reason: 'fallback',
      slaMinutes: 10,
      escalation: ['reassign'],
      skipped: [{ ownerId: 'a', reason: 'unavailable' }, { ownerId: 'b', reason: 'unavailable' }],
    });
  });

  test('pool exhausted and no fallback: still an owner of the pool, in rotation, marked pool_exhausted', async () => {
    const engine = new RoutingEngine({ owners: [{ id: 'a', capacity: 0 }, { id: 'b', capacity: 0 }], rules: [rule('r', {}, ['a', 'b'])] });
    const state = new MemoryState();
    const first = await engine.decide(facts(), state);
    const second = await engine.decide(facts(), state);
    expect([first.ownerId, second.ownerId]).toEqual(['a', 'b']);
    expect(first.reason).toBe('pool_exhausted');
  });

  test('no rule matches and no fallback: the default pool of every owner in rotation', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b'), rules: [rule('calls', { channels: ['call'] }, ['a'])] });
    const state = new MemoryState();
    const picks = [(await engine.decide(facts(), state)).ownerId, (await engine.decide(facts(), state)).ownerId];
    expect(picks).toEqual(['a', 'b']);
    expect(state.counters.get('default')).toBe(2);
  });

  test('no rules at all: every owner in rotation, the contact owner kept', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b'), rules: [], fallbackOwner: 'queue' });
    const state = new MemoryState();
    expect((await engine.decide(facts(), state)).ownerId).toBe('a');
    expect(await engine.decide(facts({ contactOwnerId: 'a' }), state)).toMatchObject({ ownerId: 'a', ruleId: 'default', reason: 'sticky' });
  });

  test('nextOwner for escalation: another eligible owner of the pool, never the current one', async () => {
    const engine = new RoutingEngine({ owners: owners('a', 'b', 'c'), rules: [rule('r', {}, ['a', 'b', 'c'])] });
    const state = new MemoryState();
    state.switches.set('c', false);
    expect(await engine.nextOwner('r', 'a', state)).toBe('b');
    expect(await engine.nextOwner('r', 'a', state)).toBe('b');
    expect(await engine.nextOwner('r', 'b', state)).toBe('a');
    state.switches.set('a', false);
    expect(await engine.nextOwner('r', 'b', state)).toBeUndefined();
    expect(await engine.nextOwner('fallback', 'b', state)).toBeUndefined();
  });
});

describe('configuration', () => {
  test.each<[string, () => RoutingEngine]>([
    ['a rule naming an unknown owner', () => new RoutingEngine({ owners: owners('a'), rules: [rule('r', {}, ['a', 'ghost'])] })],
    ['a non-sticky rule with an empty pool', () => new RoutingEngine({ owners: owners('a'), rules: [rule('r', {}, [])] })],
    ['an unknown timezone in a rule', () => new RoutingEngine({ owners: owners('a'), rules: [rule('r', { time: { timezone: 'Mars/Olympus', days: ['mon'], from: '09:00', to: '18:00' } }, ['a'])] })],
    ['an unknown timezone in working hours', () => new RoutingEngine({ owners: [{ id: 'a', hours: { timezone: 'Europe/Atlantis', windows: [] } }], rules: [] })],
  ])('%s is CONFIG_INVALID', (_name, build) => {
    expect(build).toThrow(LeadgateError);
    try {
      build();
    } catch (err) {
      expect((err as LeadgateError).code).toBe('CONFIG_INVALID');
    }
  });

  test('the config schema fills routing defaults and rejects a bad strategy or time', () => {
    const ok = buildConfig({ router: { owners: [{ id: 'a' }], destination: { kind: 'webhook', url: 'http://127.0.0.1:1/x' }, rules: [{ id: 'r', pool: ['a'], strategy: 'round_robin' }] } }, {});
    expect(ok.router.rules[0].match).toEqual({});
    expect(ok.router.callbacks).toEqual({ enabled: true, dueMinutes: 15 });
    expect(ok.router.sla).toMatchObject({ escalation: ['notify'], maxEscalations: 1 });
    expect(() => buildConfig({ router: { owners: [{ id: 'a' }], destination: { kind: 'webhook', url: 'http://x/' }, rules: [{ id: 'r', pool: ['a'], strategy: 'random' }] } }, {})).toThrow(/strategy/);
    expect(() =>
      buildConfig({ router: { owners: [{ id: 'a' }], destination: { kind: 'webhook', url: 'http://x/' }, rules: [{ id: 'r', pool: ['a'], strategy: 'fixed', match: { time: { timezone: 'UTC', days: ['mon'], from: '24:00', to: '06:00' } } }] } }, {}),
    ).toThrow(/from/);
  });
});
