import { parseArgs } from 'node:util';
import { replayRawEvents } from '../../normalizer/replay.service.js';
import { openNormalizerRuntime } from '../normalizer-runtime.js';
import { createAppLogger } from '../app-logger.js';
import { createProgress } from '../progress.js';
import type { Command } from './command.port.js';
import { loadConfigOrExit } from './load-config.js';

function isoOrUndefined(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 're-run stored raw events through the current mappers (no duplicates)',
  usage: `leadgate replay --from <time> --to <time> [--connector <id>] [--remap] [--config <file>]
  --from, --to   ISO-8601 bounds on the events' receivedAt (from inclusive, to exclusive)
  --connector    only this connector's events
  --remap        also re-map events that already became leads and re-publish their record with the same
                 lead, activity and contact ids (default: skip them)
  Ignored and dead-lettered events are re-mapped and processed when they now map to a lead.
  Prints a JSON report of what happened to each scanned event.`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { config: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, connector: { type: 'string' }, remap: { type: 'boolean', default: false } },
    });
    const from = isoOrUndefined(values.from);
    const to = isoOrUndefined(values.to);
    if (!from || !to || from >= to) {
      process.stderr.write(`--from and --to must be times with from < to\n${this.usage}\n`);
      return 2;
    }
    const config = loadConfigOrExit(values.config);
    if (!config) return 78;
    const runtime = await openNormalizerRuntime(config, createAppLogger());
    try {
      const progress = createProgress('replay');
      const report = await replayRawEvents(runtime.normalizer, runtime.store, {
        from,
        to,
        remap: values.remap ?? false,
        ...(values.connector ? { connectorId: values.connector } : {}),
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
