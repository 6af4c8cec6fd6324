import { readFileSync } from 'node:fs';
import { renderConfigReference, withConfigReference } from '../../config/config.reference.js';
import { configSchema } from '../../config/config.schema.js';

describe('generated config reference', () => {
  test('docs/config.md holds the reference generated from the current schema (run `npm run docs:config` when this fails)', () => {
    const text = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    expect(withConfigReference(text)).toBe(text);
  });

  test('every top-level section and leaf of the schema appears in the reference', () => {
    const reference = renderConfigReference();
    for (const key of Object.keys(configSchema.properties)) expect(reference).toContain(`\`${key}`);
    for (const key of ['admin.token', 'stream.heartbeatMs', 'bus.spool.maxRecords', 'normalizer.phone.vanity', 'router.sla.pollIntervalMs', 'router.callbacks.dueMinutes', 'router.rules[].strategy', 'router.destination.webhookSecret', 'LEADGATE_ADMIN_TOKEN']) {
      expect(reference).toContain(`\`${key}\``);
    }
  });
});
