import { parseArgs } from 'node:util';
import { ensureAdminToken } from '../../gateway/console/admin-token.file.js';
import { createAppLogger } from '../app-logger.js';
import { allRoles, startPipeline, type Role } from '../pipeline.js';
import type { Command } from './command.port.js';
import { loadConfigOrExit } from './load-config.js';

export const startCommand: Command = {
  name: 'start',
  summary: 'run the pipeline (all roles, or some of them)',
  usage: `leadgate start [--config <file>] [--role all|gateway|normalizer|router]...
  --config   YAML config (default: $LEADGATE_CONFIG, else built-in defaults + environment)
  --role     which stages to run in this process; repeat or comma-separate (default: all)`,
  async run(args) {
    const { values } = parseArgs({ args, options: { config: { type: 'string' }, role: { type: 'string', multiple: true } } });
    const requested = (values.role ?? ['all']).flatMap((r) => r.split(',')).map((r) => r.trim());
    const roles: Role[] = requested.includes('all') ? [...allRoles] : [];
    for (const r of requested) {
      if (r === 'all') continue;
      if (!allRoles.includes(r as Role)) {
        process.stderr.write(`unknown role "${r}"\n${this.usage}\n`);
        return 2;
      }
      roles.push(r as Role);
    }
    const config = loadConfigOrExit(values.config);
    if (!config) return 78;
    const logger = createAppLogger();
    // The gateway always has an admin token, so a fresh install can sign in to the console.
    const admin = roles.includes('gateway') ? { ...config.admin, token: ensureAdminToken(config.admin.token, config.store.dataDir, logger) } : config.admin;
    const pipeline = await startPipeline({ ...config, admin }, roles, logger);
    logger.info({ roles, bus: pipeline.bus.kind, store: pipeline.store.kind, port: pipeline.port }, 'leadgate started');
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string): void => {
        logger.info({ signal }, 'shutting down');
        resolve();
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
    await pipeline.close();
    return 0;
  },
};
