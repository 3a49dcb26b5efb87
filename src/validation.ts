/**
 * How Fastify validates requests: JSON bodies exactly as sent, everything else coerced.
 *
 * A querystring, path parameters and headers arrive as strings, so `?limit=5` must become 5. A JSON
 * body already carries its types: coercing it turned `"hours": true` into one hour, `"5"` and `[5]`
 * into 5, and `"creditsEarned": "450"` into a number. So bodies get an Ajv without coercion, the other
 * parts one with `coerceTypes: 'array'` (Fastify's default). Both know the shared schemas, the
 * formats and the text rule (src/text.ts). Installed as `schemaController.compilersFactory` in app.ts.
 *
 * Each route's validators and response serializers are compiled when a request first needs them,
 * not at start: compiling all of them was the largest part of starting (~0.8 s of ~2.5 s on this
 * machine, issue 24), and most routes of an instance are never called. `compileAll()` compiles
 * what is left, so a test proves that every schema compiles.
 */
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import Ajv, { type AnySchema, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';
import { textKeyword } from './text.js';

const addFormats = addFormatsModule.default;

/** As @fastify/ajv-compiler sets them; the app's `ajv.customOptions` come on top. */
const FASTIFY_DEFAULTS: Options = { coerceTypes: 'array', useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false };

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

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** What Fastify passes a route's compiler (its types name this argument a schema). */
interface RouteSchema {
  schema: AnySchema;
  method?: string;
  url?: string;
  httpPart?: 'body' | 'querystring' | 'params' | 'headers';
  httpStatus?: string;
}

/** The compilers of one app, and the way to compile everything they have put off. */
export interface SchemaCompilers {
  compilersFactory: CompilersFactory;
  /** Compiles every validator and serializer not compiled yet; throws naming the route on the first that fails. */
  compileAll(): void;
}

export function createSchemaCompilers(): SchemaCompilers {
  const pending = new Set<() => unknown>();
  /** `compile` runs once, on the first call of what it returns, or in compileAll. */
  const later = <T>(route: RouteSchema, compile: () => T): (() => T) => {
    let compiled: T | undefined;
    const get = (): T => {
      if (compiled === undefined) {
        try {
          compiled = compile();
        } catch (error) {
          const part = route.httpPart ?? `response ${route.httpStatus}`;
          throw new Error(`${route.method} ${route.url} ${part}: ${error instanceof Error ? error.message : error}`);
        }
        pending.delete(get);
      }
      return compiled;
    };
    pending.add(get);
    return get;
  };

  // Fastify builds a validator compiler for each plugin (14 here); plugins that see the same shared
  // schemas share one, so the Ajv instances and the shared schemas are made and compiled once.
  const built: { schemas: Record<string, unknown>; options: unknown; compile: (route: RouteSchema) => ValidateFunction }[] = [];
  const buildValidator = (externalSchemas: Record<string, AnySchema | AnySchema[]>, ajvServerOptions?: { customOptions?: Options }) => {
    const same = (a: Record<string, unknown>) => {
      const keys = Object.keys(a);
      return keys.length === Object.keys(externalSchemas).length && keys.every((k) => a[k] === externalSchemas[k]);
    };
    let compile = built.find((b) => b.options === ajvServerOptions && same(b.schemas))?.compile;
    if (!compile) {
      compile = perPartCompiler(externalSchemas, ajvServerOptions);
      built.push({ schemas: externalSchemas, options: ajvServerOptions, compile });
    }
    const compileRoute = compile;
    return (route: RouteSchema) => {
      const validator = later(route, () => compileRoute(route));
      // Fastify reads `schemaEnv` before the call (an Ajv function gets the request as its parent,
      // so it may coerce a root value) and `errors` after it: both are the compiled function's.
      const validate = (data: unknown, context?: unknown) => {
        const compiled = validator();
        const valid = compiled(data, context as never);
        validate.errors = compiled.errors;
        return valid;
      };
      validate.errors = null as ValidateFunction['errors'];
      Object.defineProperty(validate, 'schemaEnv', { get: () => validator().schemaEnv });
      return validate;
    };
  };

  const buildSerializer = (externalSchemas: unknown, serializerOptions: unknown) => {
    const compile = SerializerSelector()(externalSchemas as never, serializerOptions as never);
    return (route: RouteSchema) => {
      const serializer = later(route, () => compile(route as never));
      return (data: unknown) => serializer()(data);
    };
  };

  return {
    compilersFactory: { buildValidator, buildSerializer } as unknown as CompilersFactory,
    compileAll() {
      for (const compile of [...pending]) compile();
    },
  };
}

function perPartCompiler(
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
  // Made on first use too: each compiles the meta-schema and the shared schemas (~40 ms).
  let body: Ajv.default | undefined;
  let coercing: Ajv.default | undefined;
  return ({ schema, httpPart }) => {
    let ajv: Ajv.default;
    if (httpPart === 'body') {
      body ??= make(bodyAjvOptions(custom));
      ajv = body;
    } else {
      coercing ??= make({ ...FASTIFY_DEFAULTS, ...custom });
      ajv = coercing;
    }
    const id = (schema as { $id?: string } | undefined)?.$id;
    // One schema compiled once per instance (Ajv refuses a second schema with the same $id).
    const stored = id ? ajv.getSchema(id) : undefined;
    if (stored) return stored;
    return ajv.compile(httpPart === 'headers' ? lowerCaseHeaders(schema) : schema);
  };
}
