/**
 * Route schemas compile on first use, not at start (src/validation.ts, issue 24). So a schema that
 * does not compile no longer stops `ready()`: this file proves every schema of the app compiles,
 * that compiling later changes nothing a request sees (coercion, defaults, errors, response
 * filtering), and that a broken schema is named when it is compiled.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaCompilers } from '../../src/validation.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

describe("the app's route schemas", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('all compile', async () => {
    expect(() => t.app.compileSchemas()).not.toThrow();
    // And a route still validates afterwards, compiled ahead of its first request.
    const wrongType = await t.app.inject({ method: 'POST', url: '/v1/verify/batch', payload: { items: 'all of them' } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().field).toBe('items');
  });
});

describe('compiling on first use', () => {
  const compilers = createSchemaCompilers();
  const app = Fastify({ schemaController: { compilersFactory: compilers.compilersFactory }, ajv: { customOptions: { removeAdditional: false } } });
  app.get(
    '/items',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: { type: 'integer', default: 10 } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { limit: { type: 'integer' } } } },
      },
    },
    async (request) => ({ limit: (request.query as { limit: number }).limit, secret: 'not in the schema' }),
  );
  app.post('/items', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({ ok: true }));
  // Not valid JSON Schema: Ajv refuses the type when it compiles.
  app.post('/broken', { schema: { body: { type: 'nonsense' } } }, async () => ({ ok: true }));

  beforeAll(() => app.ready());
  afterAll(() => app.close());

  it('coerces a querystring, fills defaults and filters the response as Fastify does', async () => {
    expect((await app.inject({ method: 'GET', url: '/items?limit=5' })).json()).toEqual({ limit: 5 });
    expect((await app.inject({ method: 'GET', url: '/items' })).json()).toEqual({ limit: 10 });
    const bad = await app.inject({ method: 'GET', url: '/items?limit=x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/limit.*integer/);
  });

  it("reports a body's errors on the first request and every one after", async () => {
    for (let i = 0; i < 2; i++) {
      const missing = await app.inject({ method: 'POST', url: '/items', payload: {} });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().message).toMatch(/name/);
    }
    expect((await app.inject({ method: 'POST', url: '/items', payload: { name: 'a' } })).statusCode).toBe(200);
  });

  it('answers 500 on the broken route only', async () => {
    expect((await app.inject({ method: 'POST', url: '/broken', payload: {} })).statusCode).toBe(500);
    expect((await app.inject({ method: 'POST', url: '/items', payload: { name: 'a' } })).statusCode).toBe(200);
  });

  it('lets the app start with a schema that does not compile, and names it when compiled', () => {
    expect(() => compilers.compileAll()).toThrow(/^POST \/broken body: .*type/);
  });
});
