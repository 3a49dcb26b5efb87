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
    requestId: { type: 'string', description: "The request's id, as in the X-Request-Id response header: quote it when reporting a problem" },
  },
  required: ['type', 'title', 'status', 'detail'],
  example: {
    type: 'https://ieum.dev/problems/validation',
    title: 'The request is not valid',
    status: 400,
    detail: 'field "recipient.email" must match format "email"',
    field: 'recipient.email',
    requestId: '6f1c1f0e-2b7a-4f43-9a55-0c7f3c2d9b41',
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

/**
 * Image: an http(s) URL or a data: URI of a PNG/SVG/JPEG image. The schema says the shape; the
 * image itself is checked, and an SVG re-rendered to PNG, when it is stored (src/images.ts).
 */
export const imageUrl = {
  type: 'string',
  maxLength: 200_000,
  pattern: '^(https?://|data:image/(png|svg\\+xml|jpeg);base64,)',
  description: 'An http(s) URL, or a data:image/png, data:image/jpeg or data:image/svg+xml base64 URI (an SVG is stored re-rendered as a PNG)',
} as const;

/*
 * Human text and identifiers. `x-text` is the one text rule (src/text.ts): NFC, and no blank text,
 * control characters, bidi overrides/isolates or lone surrogates. Every route that takes a name, a
 * free text, a learner id or an e-mail uses these.
 */

/** One line of human text: a person's, an achievement's or an institution's name, a tag, a role. */
export const nameText = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, 'x-text': 'name' }) as const;

/** Free text that may run over several lines: a description, a narrative, a reason. */
export const freeText = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, 'x-text': 'text' }) as const;

/** An identifier an institution types, such as its own learner id (compared in NFC, trimmed). */
export const identifierText = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, 'x-text': 'id' }) as const;

/** An e-mail address: JSON Schema's `email` syntax within RFC 5321's limits (64 before the @, 254 in all). */
export const emailAddress = { type: 'string', format: 'email', maxLength: 254, 'x-text': 'email' } as const;

/** What a `pattern` above means, for problem details (a regular expression is not an answer). */
export const PATTERN_MEANINGS: Record<string, string> = {
  [httpUrl.pattern]: 'must be an http(s) URL',
  [imageUrl.pattern]: 'must be an http(s) URL, or a data:image/png, data:image/jpeg or data:image/svg+xml base64 URI',
};

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
