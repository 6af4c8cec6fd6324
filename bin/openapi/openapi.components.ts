import { ErrorCatalogue } from '../../contracts/errors.js';

/** Shared parts of the OpenAPI document: the error body, security schemes, reusable responses. */
export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { enum: Object.keys(ErrorCatalogue) },
        message: { type: 'string' },
        details: { type: 'object', description: 'Machine-readable extras: `reason`, `problems` (validation), `retryAfterSeconds`, …' },
      },
    },
  },
} as const;

const error = (description: string): object => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export const responses = {
  BadRequest: error('Malformed request (bad JSON, bad form encoding). See docs/errors.md.'),
  Unauthorized: error('Missing or wrong token, secret or signature.'),
  NotFound: error('No such connector, lead or record.'),
  PayloadTooLarge: error('The body exceeds `server.bodyLimitBytes`.'),
  UnsupportedMediaType: error('The Content-Type is not accepted here.'),
  ValidationFailed: error('The body does not match its schema; `details.problems` names each bad key.'),
  Unavailable: error('The bus or store cannot take the request now; retry after `Retry-After`.'),
} as const;

export const components = {
  securitySchemes: {
    adminToken: { type: 'http', scheme: 'bearer', description: '`admin.token` (or `LEADGATE_ADMIN_TOKEN`). Without one configured the admin API refuses everything.' },
    metricsToken: { type: 'http', scheme: 'bearer', description: '`metrics.token`, when set.' },
  },
  schemas: { Error: errorBodySchema },
  responses,
} as const;

/** `$ref` to a shared response. */
export const ref = (name: keyof typeof responses): object => ({ $ref: `#/components/responses/${name}` });

/** A path parameter. */
export const pathParam = (name: string, description: string, schema: object = { type: 'string' }): object => ({ name, in: 'path', required: true, description, schema });

/** A JSON response with a schema. */
export const json = (description: string, schema: object = { type: 'object' }): object => ({ description, content: { 'application/json': { schema } } });
