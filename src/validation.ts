/**
 * How Fastify validates requests: JSON bodies exactly as sent, everything else coerced.
 *
 * A querystring, path parameters and headers arrive as strings, so `?limit=5` must become 5. A JSON
 * body already carries its types: coercing it turned `"hours": true` into one hour, `"5"` and `[5]`
 * into 5, and `"creditsEarned": "450"` into a number. So bodies get an Ajv without coercion, the other
 * parts one with `coerceTypes: 'array'` (Fastify's default). Both know the shared schemas, the
 * formats and the text rule (src/text.ts). Installed as `schemaController.compilersFactory` in app.ts.
 */
import Ajv, { type AnySchema, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';
import { textKeyword } from './text.js';

const addFormats = addFormatsModule.default;

/** As @fastify/ajv-compiler sets them; the app's `ajv.customOptions` come on top. */
const FASTIFY_DEFAULTS: Options = { coerceTypes: 'array', useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false };

interface RouteSchema {
  schema: AnySchema;
  httpPart?: 'body' | 'querystring' | 'params' | 'headers';
}

/** Ajv for the request's JSON body: the app's options, without coercion. */
export function bodyAjvOptions(customOptions: Options = {}): Options {
  return { ...FASTIFY_DEFAULTS, ...customOptions, coerceTypes: false };
}

/** Header names are case-insensitive: Fastify lower-cases a headers schema (it does so only for its own compiler). */
function lowerCaseHeaders(schema: AnySchema): AnySchema {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = schema as { properties?: Record<string, unknown>; required?: string[] };
  return {
    ...s,
    ...(s.properties ? { properties: Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k.toLowerCase(), v])) } : {}),
    ...(s.required ? { required: s.required.map((k) => k.toLowerCase()) } : {}),
  };
}

type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'];

/**
 * Fastify's `compilersFactory.buildValidator`: called with the shared schemas and the `ajv` server
 * option, returns the compiler Fastify calls once per route and part of the request. (Fastify's
 * type names the compiler's argument a schema; it passes `{ schema, method, url, httpPart }`.)
 */
export const buildValidator = buildPerPartValidator as unknown as ValidatorFactory;

function buildPerPartValidator(
  externalSchemas: Record<string, AnySchema | AnySchema[]>,
  ajvServerOptions?: { customOptions?: Options },
): (route: RouteSchema) => ValidateFunction {
  const make = (options: Options) => {
    const ajv = new Ajv.default(options);
    addFormats(ajv);
    ajv.addKeyword(textKeyword);
    for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema);
    return ajv;
  };
  const custom = ajvServerOptions?.customOptions ?? {};
  const body = make(bodyAjvOptions(custom));
  const coercing = make({ ...FASTIFY_DEFAULTS, ...custom });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? body : coercing;
    const id = (schema as { $id?: string } | undefined)?.$id;
    // One schema compiled once per instance (Ajv refuses a second schema with the same $id).
    const stored = id ? ajv.getSchema(id) : undefined;
    if (stored) return stored;
    return ajv.compile(httpPart === 'headers' ? lowerCaseHeaders(schema) : schema);
  };
}
