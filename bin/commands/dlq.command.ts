import { parseArgs } from 'node:util';
import type { LeadgateConfig } from '../../config/config.types.js';
import { openConfiguredBus, openConfiguredStore } from '../backends.opener.js';
import type { Store } from '../../platform/store/store.port.js';
import { createAppLogger } from '../app-logger.js';
import { DeadLetterIndex } from '../../router/dlq/dead-letter.index.js';
import { DeadLetterReplayer } from '../../router/dlq/dlq.replayer.js';
import { DestinationParking } from '../../router/resilience/destination-parking.js';
import { createProgress } from '../progress.js';
import type { Command } from './command.port.js';
import { loadConfigOrExit } from './load-config.js';

const usage = `leadgate dlq <list|show|replay|destinations|resume> [--config <file>] [options]
  list          [--destination d] [--since iso] [--all]   dead letters (unreplayed unless --all)
  show          --id N                                      one dead letter with its record and the CRM's answer
  replay        --id N | --destination d | --since iso      send back: deliveries via the retry topic (same
                                                            idempotency key, delivered once), raw events to their topic
  destinations                                              park state of destinations
  resume        --destination d                             lift a park (manual block cleared by the CRM's support)
Talks to the store (and the bus, for replay) named in the config. With the embedded store, stop Leadgate
first or use the admin API (/v1/admin/dlq): PGlite allows one process.`;

async function withStore<T>(config: LeadgateConfig, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore(config, createAppLogger('warn'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runs a dlq subcommand against an already loaded config; exported for the tests. */
export async function runDlq(sub: string | undefined, values: { id?: string; destination?: string; since?: string; all?: boolean }, config: LeadgateConfig): Promise<number> {
  if (values.since && Number.isNaN(Date.parse(values.since))) {
    process.stderr.write(`--since must be an ISO-8601 time\n`);
    return 2;
  }
  const id = values.id !== undefined ? Number(values.id) : undefined;
  if (id !== undefined && (!Number.isInteger(id) || id < 1)) {
    process.stderr.write(`--id must be a positive integer\n`);
    return 2;
  }
  const filter = { ...(values.destination ? { destination: values.destination } : {}), ...(values.since ? { since: values.since } : {}) };
  switch (sub) {
    case 'list':
      return withStore(config, async (store) => {
        const items = await new DeadLetterIndex(store).list({ ...filter, includeReplayed: values.all ?? false, limit: 10_000 });
        if (items.length === 0) {
          const scope = [values.destination ? `for ${values.destination}` : '', values.since ? `since ${values.since}` : ''].filter(Boolean).join(' ');
          process.stderr.write(`no ${values.all ? '' : 'unreplayed '}dead letters${scope ? ` ${scope}` : ''}${values.all ? '' : ' (--all includes replayed ones)'}\n`);
          return 0;
        }
        for (const e of items) {
          process.stdout.write(`${e.id}\t${e.createdAt}\t${e.stage}\t${e.destination ?? '-'}\t${e.code}\t${e.key}\t${e.replayedAt ? `replayed ${e.replayedAt}` : ''}\t${e.reason}\n`);
        }
        return 0;
      });
    case 'show':
      if (id === undefined) break;
      return withStore(config, async (store) => {
        const entry = await new DeadLetterIndex(store).get(id);
        if (!entry) {
          process.stderr.write(`no dead letter ${id}\n`);
          return 1;
        }
        print(entry);
        return 0;
      });
    case 'replay':
      if (id === undefined && !values.destination && !values.since) break;
      return withStore(config, async (store) => {
        const bus = await openConfiguredBus(config, store, createAppLogger('warn'), { clientIdSuffix: '-cli' });
        try {
          const progress = createProgress('dlq replay');
          const replayed = await new DeadLetterReplayer({ bus, index: new DeadLetterIndex(store), logger: createAppLogger('warn') }).replay({ ...filter, ...(id !== undefined ? { id } : {}) }, (done, total) => progress.update(done, total));
          progress.finish();
          for (const r of replayed) process.stdout.write(`replayed ${r.id} (${r.stage}) → ${r.topic} ${r.key}\n`);
          process.stdout.write(`${replayed.length} replayed\n`);
          return 0;
        } finally {
          await bus.close();
        }
      });
    case 'destinations':
      return withStore(config, async (store) => {
        print(await new DestinationParking(store).list());
        return 0;
      });
    case 'resume':
      if (!values.destination) break;
      return withStore(config, async (store) => {
        const resumed = await new DestinationParking(store).resume(values.destination ?? '');
        process.stdout.write(resumed ? `${values.destination} resumed\n` : `${values.destination} was not parked\n`);
        return resumed ? 0 : 1;
      });
  }
  process.stderr.write(`${usage}\n`);
  return 2;
}

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list, show and replay dead letters; show and resume parked destinations',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: 'string' }, id: { type: 'string' }, destination: { type: 'string' }, since: { type: 'string' }, all: { type: 'boolean' } },
    });
    const config = loadConfigOrExit(values.config);
    if (!config) return 78;
    return runDlq(positionals[0], values, config);
  },
};
