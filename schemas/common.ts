/** Schemas shared by many routes, registered once with $id and referred to by $ref. */

export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    field: { type: 'string', description: 'The request field at fault' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['type', 'title', 'status', 'detail'],
  example: {
    type: 'https://ieum.dev/problems/validation',
    title: 'The request is not valid',
    status: 400,
    detail: 'field "recipient.email" must match format "email"',
    field: 'recipient.email',
  },
} as const;

/** Any JSON-LD document (credential, profile, DID document): passed through untouched. */
export const jsonLdDocumentSchema = {
  $id: 'JsonLdDocument',
  type: 'object',
  additionalProperties: true,
} as const;

export const uuidParam = { type: 'string', format: 'uuid' } as const;

/** A safe http(s) URL: no javascript:, data: or other schemes that could reach a page. */
export const httpUrl = { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 } as const;

/** Image: an http(s) URL or a data: URI of a PNG/SVG/JPEG image. */
export const imageUrl = {
  type: 'string',
  maxLength: 200_000,
  pattern: '^(https?://|data:image/(png|svg\\+xml|jpeg);base64,)',
} as const;


/** Error replies every authenticated route can give. */
export const problemReplies = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
  409: { $ref: 'Problem#' },
} as const;

/**
 * Who may call a route, as OpenAPI 3.1 lets a bearer requirement name roles: the operator's token,
 * an institution's API key, or either (`bearerSecurity`; the handler then says which institution).
 * The authentication hook enforces the role before the body is read, so a caller with the wrong kind
 * of token gets 403 whatever it sent.
 */
export type BearerRole = 'operator' | 'institution';
export const bearerSecurity = [{ bearerAuth: [] as BearerRole[] }];
export const operatorSecurity = [{ bearerAuth: ['operator'] as BearerRole[] }];
export const institutionSecurity = [{ bearerAuth: ['institution'] as BearerRole[] }];
