import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { channels, type Channel } from '../../contracts/raw-event.js';
import { openNormalizerRuntime } from '../normalizer-runtime.js';
import { createAppLogger } from '../app-logger.js';
import { progressBar } from '../import/import.progress.js';
import { formatOf, readCsv, readJsonl } from '../import/import.reader.js';
import type { ImportTarget } from '../import/import.rows.js';
import { runImport } from '../import/import.runner.js';
import type { Command } from './command.port.js';
import { loadConfigOrExit } from './load-config.js';

const targets: readonly ImportTarget[] = ['phone', 'email', 'name', 'channel', 'time', 'subject', 'message', 'tags', 'form', 'page', 'campaign', 'source', 'skip'];

/** `--map "Телефон клиента=phone" --map "Внутр=skip"` → header (normalized) → target. */
function parseMaps(maps: string[]): Record<string, ImportTarget> | string {
  const out: Record<string, ImportTarget> = {};
  for (const m of maps) {
    const at = m.lastIndexOf('=');
    const target = m.slice(at + 1).trim() as ImportTarget;
    if (at <= 0 || !targets.includes(target)) return `--map "${m}": expected <header>=<${targets.join('|')}>`;
    out[m.slice(0, at).trim().toLowerCase().replace(/[\s-]+/g, '_')] = target;
  }
  return out;
}

export const importCommand: Command = {
  name: 'import',
  summary: 'import historical leads from CSV or JSONL through the normalizer (idempotent, in time order)',
  usage: `leadgate import <file.csv|file.jsonl> [--format csv|jsonl] [--channel form] [--utc-offset +03:00]
                [--connector-id import] [--map "<header>=<target>"]... [--delimiter ";"] [--concurrency 8]
                [--config <file>]
  Columns are recognised by name (docs/identity.md, "Import"): phone, email, name, channel, time, subject,
  message, tags, form, page, campaign, source, utm_*; every other column is a custom field.
  --map          force a header to a target (phone|email|name|channel|time|subject|message|tags|form|page|
                 campaign|source|skip); repeatable
  --channel      channel of rows without a channel column (default form)
  --concurrency  people imported in parallel (default 8); one person's rows always run in time order
  --utc-offset   offset of times written without one (default Z)
  Progress on stderr; a JSON summary (leads, activities, contacts, merges, rejected rows with line and
  reason) on stdout. Running the same file again changes nothing. Exit 0, or 1 when rows were rejected.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string' },
        channel: { type: 'string', default: 'form' },
        'utc-offset': { type: 'string', default: 'Z' },
        'connector-id': { type: 'string', default: 'import' },
        map: { type: 'string', multiple: true, default: [] },
        delimiter: { type: 'string' },
        concurrency: { type: 'string', default: '8' },
      },
    });
    const file = positionals[0];
    const channel = values.channel as Channel;
    const overrides = parseMaps(values.map ?? []);
    const offset = values['utc-offset'] ?? 'Z';
    const problem = !file
      ? 'a file to import is required'
      : !(channels as readonly string[]).includes(channel)
        ? `--channel must be one of ${channels.join(', ')}`
        : typeof overrides === 'string'
          ? overrides
          : !/^(Z|[+-]\d{2}:\d{2})$/.test(offset)
            ? '--utc-offset must be Z or ±HH:MM'
            : undefined;
    if (problem || typeof overrides === 'string' || !file) {
      process.stderr.write(`${problem}\n${this.usage}\n`);
      return 2;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      process.stderr.write(`cannot read ${file}: ${(err as Error).message}\n`);
      return 66;
    }
    const config = loadConfigOrExit(values.config);
    if (!config) return 78;
    const read = formatOf(file, values.format) === 'jsonl' ? readJsonl(text) : readCsv(text, values.delimiter);
    const runtime = await openNormalizerRuntime(config, createAppLogger());
    const bar = progressBar();
    try {
      const summary = await runImport(runtime.normalizer, runtime.store, read, {
        defaultChannel: channel,
        utcOffset: offset,
        overrides,
        connectorId: values['connector-id'] ?? 'import',
        concurrency: Math.max(1, Number(values.concurrency) || 8),
        onProgress: (done, total) => bar.update(done, total),
      });
      bar.end();
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return summary.rejected > 0 ? 1 : 0;
    } finally {
      await runtime.close();
    }
  },
};
