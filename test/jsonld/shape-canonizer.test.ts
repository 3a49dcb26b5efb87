/**
 * The compiled canonicalisation must give, byte for byte, what the eddsa-rdfc-2022 cryptosuite's own
 * canonize gives (jsonld.js toRDF + rdf-canonize), on thousands of generated documents: credentials
 * of every kind as the service builds them, with hostile text and numbers, and arbitrary JSON-LD
 * documents whose values would be read differently (compact IRIs, blank node ids, relative IRIs),
 * where the shape canonizer must fall back and still agree.
 *
 * The documents are made in memory; the database only supplies real achievements and issuer
 * profiles, so this file runs in the PGlite project alone.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCredential, type CredentialFacts } from '../../src/credentials/credential.document.js';
import { signDataIntegrity } from '../../src/crypto/securing.js';
import { contextLoader, createDocumentLoader } from '../../src/jsonld/document-loader.js';
import { createShapeCanonizer } from '../../src/jsonld/shape-canonizer.js';
import { buildTestApp, onPostgres, type TestApp } from '../helpers/app.js';
import { newSigningKey } from '../helpers/signing-key.js';
import { createAchievement, createIssuer } from '../helpers/fixtures.js';

/** The library's path, as @digitalbazaar/eddsa-rdfc-2022-cryptosuite runs it when signing. */
const libraryCanonize = (document: unknown): Promise<string> =>
  (cryptosuite as { canonize(d: unknown, o: Record<string, unknown>): Promise<string> }).canonize(document, { documentLoader: contextLoader });

/** Both paths agree: the same N-Quads, or both refuse the document. */
async function agree(canonize: (d: Record<string, unknown>) => Promise<string>, document: Record<string, unknown>) {
  const [ours, theirs] = await Promise.allSettled([canonize(structuredClone(document)), libraryCanonize(structuredClone(document))]);
  if (theirs.status === 'rejected') {
    expect(ours.status, `the library refused it (${theirs.reason}), ours did not`).toBe('rejected');
    return;
  }
  expect(ours.status === 'fulfilled' ? ours.value : ours.reason).toBe(theirs.value);
}

/** Text a learner or an institution might type, and text meant to break escaping. */
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '김민지',
      '백엔드 개발자 입문과정 👩‍💻',
      'quote " and \\ backslash',
      'line\nbreak\r\nand\ttab',
      '\u0007bell\u001f',
      'ÿ\u00a0nbsp\u2028sep',
      '<b>&amp;</b>',
      '_:b0',
      'https://not.an.iri/but text',
      'did:key:z6Mk',
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
);
const number = fc.oneof(
  fc.integer({ min: 0, max: 100_000 }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.constantFrom(0, 450, 450.5, 1e-7, 0.1, 59.99999999999999, 1e21, 123456789012345680000),
);
const url = fc.oneof(fc.webUrl(), fc.constantFrom('https://example.org/evidence/1', 'https://예시.kr/증거?q=1#a', 'https://example.org/a%20b'));
const date = fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

let t: TestApp;
const sources: { profile: Record<string, unknown>; achievements: Record<string, unknown>[] } = { profile: {}, achievements: [] };

describe.skipIf(onPostgres())('shape canonizer', () => {
  beforeAll(async () => {
    t = await buildTestApp();
    // Names are one line (src/text.ts); the line break rides in the free-text description.
    const issuer = await createIssuer(t.app, { name: '서울 "여성" 능력개발원 본원', description: '설명 👩‍💻\n둘째 줄' });
    sources.profile = (await t.app.inject({ method: 'GET', url: `/issuers/${issuer.slug}` })).json();
    delete sources.profile['@context'];
    const variants: Record<string, unknown>[] = [
      {},
      { kind: 'study_group' },
      { kind: 'training_hours', requiredHours: 60, hours: undefined },
      { tags: [], humanCode: 'BE-01', fieldOfStudy: '컴퓨터공학', image: 'https://example.org/badge.png' },
      { resultDescription: { name: '성적', resultType: 'LetterGrade', allowedValue: ['A', 'B'], valueMin: 'F', valueMax: 'A' }, hours: 12.5 },
      { language: 'en', tags: ['a', 'a', 'b'] },
    ];
    for (const variant of variants) sources.achievements.push((await createAchievement(t.app, issuer, variant)).achievement);
  });
  afterAll(() => t?.close());

  const facts: fc.Arbitrary<CredentialFacts> = fc
    .record({
      which: fc.nat(),
      recipient: fc.record(
        {
          name: text,
          email: optional(fc.emailAddress()),
          did: optional(fc.constantFrom('did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi', 'did:web:learner.example')),
          externalId: optional(text),
        },
        { requiredKeys: ['name'] },
      ),
      validUntil: optional(fc.constant('2099-01-01T00:00:00Z')),
      evidence: optional(
        fc.array(fc.record({ url: optional(url), name: optional(text), narrative: optional(text), description: optional(text), genre: optional(text) }), {
          maxLength: 3,
        }),
      ),
      subject: fc.record({
        studyGroup: optional(
          fc.record(
            { name: text, topic: optional(text), sessionsAttended: optional(fc.nat(40)), sessionsTotal: optional(fc.nat(40)) },
            { requiredKeys: ['name'] },
          ),
        ),
        activityStartDate: optional(date),
        activityEndDate: optional(date),
        role: optional(text),
        term: optional(text),
        creditsEarned: optional(number),
        narrative: optional(text),
        result: optional(
          fc.array(fc.record({ value: optional(text), status: optional(fc.constantFrom('Completed', 'Enrolled')), achievedLevel: optional(url) }), {
            maxLength: 2,
          }),
        ),
      }),
      index: fc.nat(131_071),
      salt: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
    })
    .map(({ which, index, ...rest }) => ({
      ...rest,
      id: 'x',
      url: `https://badges.example.kr/c/${randomUUID()}`,
      issuerProfile: sources.profile,
      achievement: sources.achievements[which % sources.achievements.length]!,
      validFrom: '2026-03-02T09:00:00Z',
      status: { listUrl: 'https://badges.example.kr/status/6f1c1d1e-1111-4222-8333-944445555666', index },
    }));

  it('gives the library its own N-Quads for 600 credentials with any mix of optional fields', async () => {
    const canonizer = createShapeCanonizer({ documentLoader: contextLoader });
    await fc.assert(
      fc.asyncProperty(facts, async (f) => agree(canonizer.canonize, buildCredential(f))),
      { numRuns: 600 },
    );
    // Every document really took the compiled path: this is not a test of the fallback.
    expect(canonizer.stats.standard).toBe(0);
    expect(canonizer.stats.compiled).toBeGreaterThanOrEqual(600);
  }, 600_000);

  it('checked (for verification): trusts a shape only once the standard path agreed on its first document', async () => {
    const canonizer = createShapeCanonizer({ documentLoader: contextLoader, checked: true });
    await fc.assert(
      fc.asyncProperty(facts, async (f) => {
        const first = buildCredential(f);
        await agree(canonizer.canonize, first);
        // Another credential of the same shape (only its id differs): now filled into the template.
        await agree(canonizer.canonize, { ...first, id: `https://badges.example.kr/c/${randomUUID()}` });
      }),
      { numRuns: 150 },
    );
    const { shapes, standard, compiled, disagreed } = canonizer.stats;
    expect(disagreed).toBe(0);
    // Each compiled shape's first document took the standard path (and was compared); later ones were filled in.
    expect(standard).toBeGreaterThan(0);
    expect(standard).toBeLessThanOrEqual(shapes);
    expect(compiled + standard).toBe(300);
    expect(compiled).toBeGreaterThanOrEqual(150);
  }, 600_000);

  /** What a cohort looks like: a few combinations of fields, and every value different. */
  const presets: (keyof CredentialFacts['subject'] | 'email' | 'did' | 'externalId' | 'evidence' | 'validUntil')[][] = [
    ['email'],
    ['email', 'activityStartDate', 'activityEndDate', 'creditsEarned'],
    ['did', 'evidence', 'narrative', 'result'],
    ['externalId', 'studyGroup', 'role', 'term'],
    ['email', 'externalId', 'validUntil', 'evidence', 'creditsEarned', 'narrative'],
  ];
  const cohortMember = fc
    .record({
      f: facts,
      preset: fc.constantFrom(...presets),
      full: fc.record({
        email: fc.emailAddress(),
        did: fc.constant('did:web:learner.example:u'),
        externalId: text,
        evidence: fc.array(fc.record({ url, name: text }), { minLength: 1, maxLength: 1 }),
        validUntil: fc.constant('2099-01-01T00:00:00Z'),
        activityStartDate: date,
        activityEndDate: date,
        creditsEarned: fc.integer({ min: 1, max: 1000 }),
        narrative: text,
        result: fc.constant([{ value: '3' }]),
        studyGroup: fc.record({ name: text }),
        role: text,
        term: text,
      }),
    })
    .map(({ f, preset, full }) => {
      const subject: CredentialFacts['subject'] = {};
      const recipient: CredentialFacts['recipient'] = { name: f.recipient.name };
      const out: CredentialFacts = { ...f, recipient, subject, evidence: undefined, validUntil: undefined };
      for (const field of preset) {
        if (field === 'email' || field === 'did' || field === 'externalId') recipient[field] = full[field];
        else if (field === 'evidence' || field === 'validUntil') (out as unknown as Record<string, unknown>)[field] = full[field];
        else (subject as Record<string, unknown>)[field] = full[field];
      }
      return { ...out, achievement: sources.achievements[0]! };
    });

  it("reuses one compiled shape for a whole cohort, and each credential still gets the library's N-Quads (1,500 credentials)", async () => {
    const canonizer = createShapeCanonizer({ documentLoader: contextLoader });
    await fc.assert(
      fc.asyncProperty(cohortMember, async (f) => agree(canonizer.canonize, buildCredential(f))),
      { numRuns: 1500 },
    );
    expect(canonizer.stats.standard).toBe(0);
    // Shapes repeat (number classes and text in IRI places aside, five presets): most documents
    // were filled into a template compiled from another document.
    expect(canonizer.stats.shapes).toBeLessThan(canonizer.stats.compiled / 10);
  }, 600_000);

  it('signs what @digitalbazaar/vc signs, byte for byte, and the library verifies it (300 credentials)', async () => {
    const did = 'did:web:badges.example.kr:issuers:sign-test';
    const key = await newSigningKey(did);
    const method = await key.multikey!.export({ publicKey: true, includeContext: true });
    const controller = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [method],
      assertionMethod: [method.id],
    };
    const documentLoader = createDocumentLoader(async (url) => (url === did ? controller : url === method.id ? method : undefined));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(cohortMember, facts),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        async (f, created) => {
          const unsigned = buildCredential({ ...f, issuerProfile: { ...f.issuerProfile, id: did } });
          const ours = await signDataIntegrity(structuredClone(unsigned), key, created);
          const suite = new DataIntegrityProof({ signer: key.multikey!.signer(), cryptosuite, date: created });
          const theirs = await vc.issue({ credential: structuredClone(unsigned), suite, documentLoader: contextLoader });
          expect(ours.proof).toEqual([theirs.proof]);
          expect({ ...ours, proof: undefined }).toEqual({ ...theirs, proof: undefined });
          const verified = await vc.verifyCredential({
            credential: ours,
            suite: new DataIntegrityProof({ cryptosuite }),
            documentLoader,
            checkStatus: async () => ({ verified: true }),
          });
          expect(verified.verified, JSON.stringify(verified.error)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  }, 600_000);

  /** Values that JSON-LD reads by what they are, put where our credentials have plain IRIs or text. */
  const trickyValue = fc.oneof(
    text,
    number,
    fc.boolean(),
    fc.constantFrom(
      '_:b1',
      'relative/path',
      '#frag',
      'xsd:string',
      'obi:foo',
      'dc:title',
      'Profile',
      'name',
      'id',
      '@id',
      '@vocab',
      'https://x y',
      'https://example.org/<x>',
      'urn:x-ieum-slot:0',
      'http:no-slashes',
      'mailto:a@b.c',
      'did:web:x',
    ),
  );
  const tricky = fc.record({
    path: fc.constantFrom(
      ['id'],
      ['issuer', 'id'],
      ['credentialSubject', 'id'],
      ['credentialSubject', 'achievement', 'id'],
      ['credentialSubject', 'achievement', 'achievementType'],
      ['evidence', 0, 'id'],
      ['credentialSchema', 0, 'id'],
      ['credentialStatus', 'statusListCredential'],
      ['credentialSubject', 'achievement', 'creditsAvailable'],
      ['credentialSubject', 'name'],
      ['issuer', 'url'],
      ['credentialSubject', 'achievement', 'creator', 'id'],
    ),
    value: trickyValue,
    seed: facts,
  });

  it('agrees with the library (or refuses with it) when values would be read as terms, compact IRIs or blank nodes', async () => {
    const canonizer = createShapeCanonizer({ documentLoader: contextLoader });
    await fc.assert(
      fc.asyncProperty(tricky, async ({ path, value, seed }) => {
        const document = buildCredential({ ...seed, evidence: [{ url: 'https://example.org/e', name: 'e' }] }) as Record<string, any>;
        let node = document;
        for (const step of path.slice(0, -1)) node = node[step as string];
        node[path.at(-1) as string] = value;
        await agree(canonizer.canonize, document);
      }),
      { numRuns: 1000 },
    );
    expect(canonizer.stats.standard).toBeGreaterThan(0);
  }, 600_000);

  it('agrees on documents whose shape cannot be compiled (@json, typed values, inline contexts)', async () => {
    const canonizer = createShapeCanonizer({ documentLoader: contextLoader });
    const base = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: 'urn:uuid:1',
      type: ['VerifiableCredential'],
      issuer: 'did:example:1',
      validFrom: '2026-01-01T00:00:00Z',
    };
    const documents: Record<string, unknown>[] = [
      {
        ...base,
        '@context': [...base['@context'], { data: { '@id': 'https://ex.org/data', '@type': '@json' } }],
        credentialSubject: { data: { b: 'x', a: 1 } },
      },
      {
        ...base,
        '@context': [...base['@context'], { n: { '@id': 'https://ex.org/n', '@type': 'http://www.w3.org/2001/XMLSchema#double' } }],
        credentialSubject: { n: '12' },
      },
      { ...base, '@context': [...base['@context'], { ex: 'https://ex.org/', v: { '@id': 'ex:v', '@type': '@vocab' } }], credentialSubject: { v: 'ex:thing' } },
      { ...base, '@context': [...base['@context'], { ex: 'https://ex.org/', v: { '@id': 'ex:v', '@type': '@id' } }], credentialSubject: { v: 'ex:thing' } },
      {
        ...base,
        '@context': [...base['@context'], { ex: 'https://ex.org/', l: { '@id': 'ex:l', '@container': '@list' } }],
        credentialSubject: { l: ['b', 'a', 'b'] },
      },
      {
        ...base,
        '@context': [...base['@context'], { ex: 'https://ex.org/', m: { '@id': 'ex:m', '@container': '@language' } }],
        credentialSubject: { m: { ko: '가', en: 'a' } },
      },
      { ...base, credentialSubject: { id: 'did:example:2' }, description: ['same', 'same'] },
      {
        ...base,
        credentialSubject: [
          { id: 'did:example:2', name: 'a' },
          { id: 'did:example:2', name: 'a' },
        ],
      },
      // An inline context wrapped in `@context` (jsonld.js reads the one inside), as the W3C suites
      // send it: its prefix must be known, or `ex:thing` would pass for a plain IRI.
      {
        ...base,
        '@context': [...base['@context'], { '@context': { ex: 'https://ex.org/', v: { '@id': 'ex:v', '@type': '@id' } } }],
        credentialSubject: { v: 'ex:thing' },
      },
      {
        ...base,
        '@context': [...base['@context'], 'https://www.w3.org/ns/credentials/examples/v2'],
        type: ['VerifiableCredential', 'ExampleCredential'],
        credentialSubject: { id: 'did:example:2', degree: { type: 'ExampleDegree', name: 'ex:x' } },
      },
    ];
    for (const document of documents) for (let i = 0; i < 2; i++) await agree(canonizer.canonize, document);
    expect(canonizer.stats.compiled).toBeGreaterThan(0);
  });
});
