/**
 * The one pattern of a connector instance id: it is a URL segment (`/v1/hooks/<id>`), a metrics label
 * and a store key, so lower case, digits, `_` and `-`, at most 63 characters.
 */
export const CONNECTOR_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';

export const connectorIdSchema = { type: 'string', pattern: CONNECTOR_ID_PATTERN, description: 'unique id of this connector instance; its webhook path is `/v1/hooks/<id>`' } as const;
