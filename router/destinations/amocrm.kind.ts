import { AmoCrmDestination } from './amocrm.destination.js';
import { defineDestination, int, required, str, type ConfigOf } from './destination.spec.js';
import { oneOf, type InferShape } from './config-schema.builder.js';

/** The `amocrm` keys: the one place they are declared; the config type below is derived from them. */
const amoCrmSettings = {
  baseUrl: required(str({ description: '`https://<subdomain>.amocrm.ru` or `https://<subdomain>.kommo.com`', pattern: '^https?://' })),
  token: required(str({ description: 'long-lived token of a private integration', minLength: 1 })),
  pipelineId: int({ description: '`pipeline_id` of created leads; absent: the account chooses' }),
  statusId: int({ description: '`status_id` of created leads within the pipeline' }),
  mode: oneOf(['complex', 'unsorted'], { description: '`complex`: POST /api/v4/leads/complex; `unsorted`: the Incoming leads (forms / sip) endpoints', default: 'complex' }),
  sourceName: str({ description: '`source_name` of Incoming leads (unsorted mode)', default: 'Leadgate' }),
  sourceUid: str({ description: '`source_uid` of Incoming leads (unsorted mode)', default: 'leadgate' }),
  taskTypeId: int({ description: 'task type of callback tasks (1 = call)', default: 1 }),
  keyFieldId: int({ description: 'a lead custom field (text) holding our idempotency key, searched before a retried create' }),
};

export type AmoCrmDestinationConfig = ConfigOf<'amocrm', typeof amoCrmSettings, 'section'>;

export const amoCrmKind = defineDestination({
  kind: 'amocrm',
  summary: 'amoCRM / Kommo API v4',
  placement: 'section',
  settings: amoCrmSettings,
  secrets: ['token'],
  // amoCRM allows 7 req/s and punishes bursts with an IP block.
  rateLimit: { perSecond: 5, burst: 5 },
  idempotency: ['ref-table', 'lookup-before-create'],
  parksOn: ['HTTP_401', 'HTTP_402', 'HTTP_403'],
  create: (config: AmoCrmDestinationConfig, refs) => new AmoCrmDestination(config, refs),
});

export type AmoCrmSettings = InferShape<typeof amoCrmSettings>;
