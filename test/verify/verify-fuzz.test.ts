/**
 * Thousands of random and mutated bodies to POST /v1/verify: the answer is always a verdict (200)
 * or a problem (4xx), never a 5xx, and a mutated credential never verifies.
 */
import fc from 'fast-check';
import jsonld from 'jsonld';
import { contextLoader } from '../../src/jsonld/document-loader.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential } from '../helpers/fixtures.js';

let t: TestApp;
let credential: Record<string, any>;
let jwt: string;

beforeAll(async () => {
  // Thousands of requests from one address: the rate limit has its own test.
  t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const issuer = await createIssuer(t.app);
  const achievement = await createAchievement(t.app, issuer);
  ({ credential, jwt } = await issueCredential(t.app, issuer, achievement.id));
});
afterAll(() => t.close());

const post = (payload: string, contentType = 'application/json') =>
  t.app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': contentType }, payload });

/** Sets a random value at a random path of a copy of the credential. */
function mutate(source: unknown, path: number[], value: unknown): unknown {
  const copy = structuredClone(source) as any;
  let node = copy;
  for (let depth = 0; depth < path.length; depth++) {
    if (!node || typeof node !== 'object') break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[path[depth]! % keys.length]!;
    if (depth === path.length - 1 || typeof node[key] !== 'object' || node[key] === null) {
      node[key] = value;
      return copy;
    }
    node = node[key];
  }
  return copy;
}

/** Canonical N-Quads of a credential without its proof: what the signature covers. */
async function canonical(document: unknown): Promise<string> {
  const { proof: _proof, ...rest } = document as Record<string, unknown>;
  return jsonld.canonize(rest, { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: contextLoader, safe: true });
}

function sameBytes(a: string, b: string): boolean {
  const decode = (token: string) =>
    token
      .split('.')
      .map((part) => Buffer.from(part, 'base64url').toString('hex'))
      .join('.');
  return a.split('.').length === 3 && decode(a) === decode(b);
}

describe('POST /v1/verify under fuzzing', () => {
  it('never answers 5xx to arbitrary JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({ credential: fc.jsonValue() }), fc.record({ jwt: fc.string() })), async (body) => {
        const res = await post(JSON.stringify(body));
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 1500 },
    );
  });

  it('never verifies a credential with a changed value, and never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.constant('__proto__'), fc.dictionary(fc.string(), fc.string())),
        async (path, value) => {
          const changed = mutate(credential, path, value);
          const res = await post(JSON.stringify({ credential: changed }));
          expect(res.statusCode).toBeLessThan(500);
          // A change may verify only when it says the same thing: the proof itself was changed
          // (not signed), or the RDF graph is unchanged (a value repeated elsewhere in the document,
          // like the issuer's name in the achievement's creator, was removed from one place).
          const proofVerified = res.statusCode === 200 && res.json().checks[0].ok === true;
          const proofChanged = JSON.stringify((changed as any).proof) !== JSON.stringify(credential.proof);
          const saysTheSame = !proofVerified || proofChanged || (await canonical(changed)) === (await canonical(credential));
          expect(saysTheSame, `verified after a change: ${JSON.stringify(changed).slice(0, 300)}`).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('never answers 5xx to mutated JWTs and raw bodies of any content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 3 }),
        fc.constantFrom('application/json', 'application/vc+jwt', 'image/png', 'image/svg+xml', 'text/plain', 'application/xml'),
        async (at, insert, contentType) => {
          const position = at % jwt.length;
          const changed = jwt.slice(0, position) + insert + jwt.slice(position + 1);
          const res = await post(contentType === 'application/json' ? JSON.stringify({ jwt: changed }) : changed, contentType);
          expect(res.statusCode).toBeLessThan(500);
          // A changed token may verify only if it still decodes to the same bytes (base64url has slack in its last character).
          const proofVerified = res.statusCode === 200 && res.json().checks[0].ok === true;
          expect(!proofVerified || sameBytes(changed, jwt), `verified after a change: ${changed}`).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses "__proto__" identifiers, which make jsonld.js write to Object.prototype', async () => {
    for (const [place, value] of [
      ['credentialSchema', ['__proto__']],
      ['evidence', ['__proto__']],
      ['type', ['VerifiableCredential', '__proto__']],
    ] as const) {
      const changed = structuredClone(credential);
      changed[place] = value;
      const res = await post(JSON.stringify({ credential: changed }));
      expect(res.statusCode).toBe(200);
      expect(res.json().verified).toBe(false);
    }
    const inherited: string[] = [];
    for (const key in {}) inherited.push(key);
    expect(inherited).toEqual([]);
    // The next verification still works (a poisoned prototype breaks every later request).
    expect((await post(JSON.stringify({ credential }))).json().verified).toBe(true);
  });

  it('answers deeply nested and huge inputs with 4xx or a verdict', async () => {
    const deep = '{"credential":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '}';
    expect((await post(deep)).statusCode).toBeLessThan(500);
    const huge = JSON.stringify({ jwt: 'x'.repeat(600_000) });
    expect((await post(huge)).statusCode).toBe(413);
    const proto = '{"credential":{"__proto__":{"polluted":1},"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}}';
    expect((await post(proto)).statusCode).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
    const invalidUtf8 = Buffer.concat([Buffer.from('{"jwt":"'), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from('"}')]);
    const res = await t.app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'application/json' }, payload: invalidUtf8 });
    expect(res.statusCode).toBeLessThan(500);
  });
});
