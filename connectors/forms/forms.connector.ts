import { defineConnector } from '../contract/define-connector.js';
import { formsConfigSpec } from './forms.config.js';
import { createFormsRouter } from './forms.ingress.js';
import { mapFormSubmission } from './forms.mapping.js';

/**
 * Web forms: Tilda, Contact Form 7 webhooks, plain HTML posts and a site's own fetch(), all on one
 * webhook (`POST /v1/hooks/<id>`). Acknowledged with 202 only after the raw event is durable.
 */
export const formsConnector = defineConnector({
  channel: 'form',
  config: formsConfigSpec,
  mapper: mapFormSubmission,
  createRouter: createFormsRouter,
});
