import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { ob3SchemaErrors, verifyJwtWithDidKey, verifyWithLibrary } from '../helpers/independent-verify.js';

let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;
const PUBLIC = 'https://badges.example.kr';

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app, { slug: 'seoul-women' });
  achievementId = (await createAchievement(t.app, issuer)).id;
});
afterAll(() => t.close());

describe('issuing one credential', () => {
  it('is an OB 3.0 credential that the official schema, @digitalbazaar/vc and jose accept', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, {
      activityStartDate: '2026-03-02',
      activityEndDate: '2026-08-28',
      creditsEarned: 450,
      validUntil: '2031-08-28T00:00:00Z',
      evidence: [{ url: 'https://github.com/minji/final-project', name: '최종 프로젝트', narrative: '도서관 좌석 예약 서비스 🚀' }],
    });
    const c = issued.credential;
    expect(issued.url).toBe(`${PUBLIC}/c/${issued.id}`);
    expect(c.id).toBe(issued.url);
    expect(c['@context'][0]).toBe('https://www.w3.org/ns/credentials/v2');
    expect(c['@context'][1]).toBe('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json');
    expect(Object.keys(c)[0]).toBe('@context');
    expect(c.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(c.issuer.id).toBe('did:web:badges.example.kr:issuers:seoul-women');
    expect(c.credentialSubject.achievement.creditsAvailable).toBe(450);
    expect(c.credentialSubject.creditsEarned).toBe(450);
    expect(Array.isArray(c.proof)).toBe(true);
    expect(c.proof[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod' });
    expect(c.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect(Array.isArray(c.credentialStatus)).toBe(false);
    expect(c.credentialSchema[0].id).toMatch(/ob_v3p0_achievementcredential_schema\.json$/);

    // The plain e-mail never appears; its salted hash does.
    expect(JSON.stringify(c)).not.toContain('minji.kim@example.com');
    const identity = c.credentialSubject.identifier[0];
    expect(identity).toMatchObject({ type: 'IdentityObject', identityType: 'emailAddress', hashed: true });
    const { createHash } = await import('node:crypto');
    expect(identity.identityHash).toBe(
      'sha256$' +
        createHash('sha256')
          .update('minji.kim@example.com' + identity.salt)
          .digest('hex'),
    );

    expect(ob3SchemaErrors(c)).toEqual([]);
    const result = await verifyWithLibrary(t.app, PUBLIC, c);
    expect(result.verified, JSON.stringify(result.error ?? result.results)).toBe(true);
    expect(result.statusResult).toMatchObject({ verified: true, results: [{ verified: true, status: false }] });

    const { header, payload } = await verifyJwtWithDidKey(t.app, issued.jwt);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'vc+jwt', kid: c.proof[0].verificationMethod });
    expect(payload).toMatchObject({
      iss: c.issuer.id,
      jti: c.id,
      nbf: Math.floor(Date.parse(c.validFrom) / 1000),
      exp: Date.parse('2031-08-28T00:00:00Z') / 1000,
    });
    expect(payload.credentialSubject).toEqual(c.credentialSubject);
  });

  it('signs the JWT with RS256 when asked, with the RSA key of the DID document', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, {
      jwtAlgorithm: 'RS256',
      recipient: { name: 'Jane', did: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' },
    });
    const { header, payload } = await verifyJwtWithDidKey(t.app, issued.jwt);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toMatch(/#rs256-1$/);
    expect(payload.sub).toBe('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
    expect(issued.credential.credentialSubject.id).toBe(payload.sub);
    expect(ob3SchemaErrors(issued.credential)).toEqual([]);
  });

  it('keeps Korean, emoji, quotes and newlines intact through signing and storage', async () => {
    // A name is one line (src/text.ts); the line break rides in the free-text narrative.
    const name = '이서연 "Seoyeon" 😀';
    const narrative = '첫째 줄\n둘째 줄';
    const issued = await issueCredential(t.app, issuer, achievementId, { recipient: { name, email: 'seoyeon@example.com' }, narrative });
    const stored = await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}`, headers: issuer.headers });
    expect(stored.json().credential.credentialSubject.name).toBe(name);
    expect(stored.json().credential.credentialSubject.narrative).toBe(narrative);
    expect(stored.json().credential).toEqual(issued.credential);
    expect((await verifyWithLibrary(t.app, PUBLIC, stored.json().credential)).verified).toBe(true);
  });

  it('stores the JWT without its payload and gives back, byte for byte, the JWT it signed', async () => {
    const name = '박지우 "Jiwoo" 🎓 \\ 끝';
    const narrative = '첫째 줄\n\\ 둘째 줄';
    for (const jwtAlgorithm of ['EdDSA', 'RS256'] as const) {
      const issued = await issueCredential(t.app, issuer, achievementId, {
        jwtAlgorithm,
        recipient: { name, email: `jiwoo-${jwtAlgorithm}@example.com` },
        narrative,
        validUntil: '2030-01-01T00:00:00Z',
        creditsEarned: 12.5,
      });
      const row = await t.db.selectFrom('credentials').select('jwt').where('id', '=', issued.id).executeTakeFirstOrThrow();
      const [header, , signature] = issued.jwt.split('.');
      expect(row.jwt).toBe(`${header}..${signature}`);
      const read = await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}`, headers: issuer.headers });
      expect(read.json().jwt).toBe(issued.jwt);
      const file = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/credential.jwt` });
      expect(file.body).toBe(issued.jwt);
      const { payload } = await verifyJwtWithDidKey(t.app, file.body);
      expect(payload.credentialSubject.name).toBe(name);
      expect(payload.credentialSubject.narrative).toBe(narrative);
    }
  });

  it('stores concurrent issues together, each request with its own answer', async () => {
    const before = await t.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const post = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/v1/credentials', headers: { ...issuer.headers, ...headers }, payload: { achievementId, ...payload } });
    const requests = [
      // The same person ten times at once (one learner row), twenty others, and one Idempotency-Key
      // sent twice with different bodies: one of the two is refused, alone.
      ...Array.from({ length: 10 }, (_, i) => post({ recipient: { name: `같은 사람 ${i}`, email: 'same.person@example.com' } })),
      ...Array.from({ length: 20 }, (_, i) =>
        post({ recipient: { name: `학습자 ${i}`, email: `crowd${i}@example.com` }, securing: i % 2 ? ['jwt'] : undefined }),
      ),
      post({ recipient: { name: 'A', email: 'key-a@example.com' } }, { 'idempotency-key': 'same-key-twice' }),
      post({ recipient: { name: 'B', email: 'key-b@example.com' } }, { 'idempotency-key': 'same-key-twice' }),
    ];
    const answers = await Promise.all(requests);
    expect(answers.slice(0, 30).map((a) => a.statusCode)).toEqual(Array(30).fill(201));
    expect(
      answers
        .slice(30)
        .map((a) => a.statusCode)
        .sort(),
    ).toEqual([201, 422]);
    const after = await t.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(31);
    const same = await t.db.selectFrom('learners').select('id').where('email', '=', 'same.person@example.com').execute();
    expect(same).toHaveLength(1);
    for (const answer of answers.filter((a) => a.statusCode === 201)) {
      const issued = answer.json();
      const read = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}`, headers: issuer.headers })).json();
      expect(read.credential).toEqual(issued.credential);
      expect(read.jwt).toBe(issued.jwt);
    }
    const sample = answers[3]!.json();
    expect((await verifyWithLibrary(t.app, PUBLIC, sample.credential)).verified).toBe(true);
    expect((await verifyJwtWithDidKey(t.app, answers[11]!.json().jwt)).payload.jti).toBe(answers[11]!.json().credential.id);
  });

  it('finds each learner by its own kind of identity when concurrent issues are stored together', async () => {
    const post = (recipient: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/v1/credentials', headers: issuer.headers, payload: { achievementId, recipient } });
    const did = 'did:key:z6MkgroupedLearnerDid';
    const people: Record<string, string>[] = [
      { name: '학번만', externalId: ' S-2026-001 ' },
      { name: '학번만 다시', externalId: 'S-2026-001' },
      { name: 'DID만', did },
      { name: 'DID만 다시', did },
      { name: '메일과 학번', email: 'Mixed.Kind@Example.com', externalId: 'S-2026-002' },
      { name: '메일과 학번 다시', email: 'mixed.kind@example.com', externalId: 'S-2026-002' },
    ];
    const answers = await Promise.all(people.map(post));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(201));
    const learnerOf = async (answer: (typeof answers)[number]) =>
      await t.db
        .selectFrom('credentials')
        .innerJoin('learners', 'learners.id', 'credentials.learner_id')
        .select(['learners.id', 'learners.email', 'learners.did', 'learners.external_id'])
        .where('credentials.id', '=', answer.json().id)
        .executeTakeFirstOrThrow();
    const learners = await Promise.all(answers.map(learnerOf));
    // One learner per person, whichever identity it was found by; the latest name wins.
    expect(learners[0]).toEqual(learners[1]);
    expect(learners[2]).toEqual(learners[3]);
    expect(learners[4]).toEqual(learners[5]);
    expect(new Set(learners.map((l) => l.id)).size).toBe(3);
    expect(learners[0]).toMatchObject({ email: null, did: null, external_id: 'S-2026-001' });
    expect(learners[2]).toMatchObject({ email: null, did, external_id: null });
    expect(learners[4]).toMatchObject({ email: 'mixed.kind@example.com', external_id: 'S-2026-002' });
    for (const [i, answer] of answers.entries()) expect(answer.json().credential.credentialSubject.name).toBe(people[i]!.name);
  });

  it('still serves a JWT stored whole (as rows written before detached storage)', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    await t.db.updateTable('credentials').set({ jwt: issued.jwt }).where('id', '=', issued.id).execute();
    const read = await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}`, headers: issuer.headers });
    expect(read.json().jwt).toBe(issued.jwt);
  });
});

describe('a changed credential fails', () => {
  const tamper: [string, (c: any) => void][] = [
    ['the learner name', (c) => (c.credentialSubject.name = '김민지2')],
    ['the achievement name', (c) => (c.credentialSubject.achievement.name += ' ')],
    ['the hours', (c) => (c.credentialSubject.achievement.creditsAvailable = 451)],
    ['validFrom', (c) => (c.validFrom = '2020-01-01T00:00:00Z')],
    ['the status index', (c) => (c.credentialStatus.statusListIndex = '1')],
    ['the proof value', (c) => (c.proof[0].proofValue = c.proof[0].proofValue.slice(0, -2) + 'zz')],
  ];
  it.each(tamper)('when %s changes', async (_what, change) => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    const copy = structuredClone(issued.credential);
    change(copy);
    expect((await verifyWithLibrary(t.app, PUBLIC, copy)).verified).toBe(false);
  });

  it("when it claims another institution's key", async () => {
    const other = await createIssuer(t.app);
    const otherAchievement = await createAchievement(t.app, other);
    const theirs = await issueCredential(t.app, other, otherAchievement.id);
    const ours = await issueCredential(t.app, issuer, achievementId);
    const forged = structuredClone(ours.credential);
    forged.proof = theirs.credential.proof;
    expect((await verifyWithLibrary(t.app, PUBLIC, forged)).verified).toBe(false);
  });

  it('when the JWT payload is changed', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    const [h, p, s] = issued.jwt.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.credentialSubject.name = 'Mallory';
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    await expect(verifyJwtWithDidKey(t.app, forged)).rejects.toThrow();
  });
});

describe('Idempotency-Key', () => {
  it('returns the first result again and issues nothing twice', async () => {
    const headers = { 'idempotency-key': 'cohort-7-minji' };
    const first = await issueCredential(t.app, issuer, achievementId, {}, headers);
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: { ...issuer.headers, ...headers },
      payload: { achievementId, recipient: { name: '김민지', email: 'minji.kim@example.com' } },
    });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first);
    const count = await t.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('idempotency_key', '=', 'cohort-7-minji')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('refuses the same key with a different body (422)', async () => {
    const headers = { 'idempotency-key': 'reused-key' };
    await issueCredential(t.app, issuer, achievementId, {}, headers);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: { ...issuer.headers, ...headers },
      payload: { achievementId, recipient: { name: '다른 사람', email: 'other@example.com' } },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().type).toMatch(/idempotency-key-reused$/);
  });

  it('gives one credential when the same key arrives many times at once', async () => {
    const headers = { ...issuer.headers, 'idempotency-key': 'burst-1' };
    const payload = { achievementId, recipient: { name: '박지은', email: 'jieun@example.com' } };
    const answers = await Promise.all(Array.from({ length: 8 }, () => t.app.inject({ method: 'POST', url: '/v1/credentials', headers, payload })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
  });
});

describe('signing key rotation', () => {
  it('keeps earlier credentials verifying and signs new ones with the new key', async () => {
    const local = await createIssuer(t.app);
    const ach = await createAchievement(t.app, local);
    const before = await issueCredential(t.app, local, ach.id);
    const rotated = await t.app.inject({ method: 'POST', url: `/v1/issuers/${local.slug}/keys/rotate`, headers: local.headers });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json().verificationMethods).toEqual([`${local.did}#ed25519-2`, `${local.did}#rs256-2`]);
    const after = await issueCredential(t.app, local, ach.id);
    expect(after.credential.proof[0].verificationMethod).toBe(`${local.did}#ed25519-2`);
    expect(before.credential.proof[0].verificationMethod).toBe(`${local.did}#ed25519-1`);
    const did = (await t.app.inject({ method: 'GET', url: `/issuers/${local.slug}/did.json` })).json();
    expect(did.verificationMethod).toHaveLength(4);
    expect(did.assertionMethod).toContain(`${local.did}#ed25519-1`);
    expect((await verifyWithLibrary(t.app, PUBLIC, before.credential)).verified).toBe(true);
    expect((await verifyWithLibrary(t.app, PUBLIC, after.credential)).verified).toBe(true);
    await verifyJwtWithDidKey(t.app, before.jwt);
    const audit = await t.db.selectFrom('audit_events').select('action').where('action', '=', 'keys.rotated').execute();
    expect(audit.length).toBeGreaterThan(0);
  });

  it('lets the operator rotate any institution but an institution only its own', async () => {
    const a = await createIssuer(t.app);
    const b = await createIssuer(t.app);
    expect((await t.app.inject({ method: 'POST', url: `/v1/issuers/${a.slug}/keys/rotate`, headers: b.headers })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/v1/issuers/${a.slug}/keys/rotate`, headers: admin })).statusCode).toBe(200);
  });
});

describe('revocation through the status list', () => {
  it('publishes a signed list of at least 131,072 entries and flips the bit on revoke', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    const listUrl: string = issued.credential.credentialStatus.statusListCredential;
    const path = listUrl.slice(PUBLIC.length);
    const before = await t.app.inject({ method: 'GET', url: path });
    expect(before.statusCode).toBe(200);
    expect(before.headers['etag']).toBeTruthy();
    expect(before.headers['cache-control']).toMatch(/max-age=(\d|[1-5]\d|60)\b/);
    const list = before.json();
    expect(list.type).toContain('BitstringStatusListCredential');
    const { gunzipSync } = await import('node:zlib');
    const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
    expect(bits.length * 8).toBeGreaterThanOrEqual(131072);
    const notModified = await t.app.inject({ method: 'GET', url: path, headers: { 'if-none-match': before.headers['etag'] as string } });
    expect(notModified.statusCode).toBe(304);

    const revoke = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${issued.id}/revoke`,
      headers: issuer.headers,
      payload: { reason: '잘못 발급됨' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(revoke.json()).toMatchObject({ state: 'revoked', revocationReason: '잘못 발급됨' });
    const after = await t.app.inject({ method: 'GET', url: path });
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
    // The library reports the bit: `status: true` means the revocation bit is set.
    const result = await verifyWithLibrary(t.app, PUBLIC, issued.credential);
    expect(result.statusResult).toMatchObject({ verified: true, results: [{ verified: true, status: true }] });
    // Revocation is final.
    const again = await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/revoke`, headers: issuer.headers, payload: {} });
    expect(again.statusCode).toBe(409);
    const unsuspend = await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/suspend`, headers: issuer.headers, payload: {} });
    expect(unsuspend.statusCode).toBe(409);
  });

  it('suspends and lifts a suspension, keeping the published list untouched', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    const suspend = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${issued.id}/suspend`,
      headers: issuer.headers,
      payload: { reason: '확인 중' },
    });
    expect(suspend.json()).toMatchObject({ state: 'suspended', suspensionReason: '확인 중' });
    const read = await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}`, headers: issuer.headers });
    expect(read.json().status.state).toBe('suspended');
    const lift = await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/unsuspend`, headers: issuer.headers, payload: {} });
    expect(lift.json().state).toBe('active');
    expect((await verifyWithLibrary(t.app, PUBLIC, issued.credential)).verified).toBe(true);
  });

  it('never gives two credentials the same index', async () => {
    const issued = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        issueCredential(t.app, issuer, achievementId, { recipient: { name: `학습자 ${i}`, email: `learner${i}@example.com` } }),
      ),
    );
    const slots = issued.map((c) => `${c.credential.credentialStatus.statusListCredential}#${c.credential.credentialStatus.statusListIndex}`);
    expect(new Set(slots).size).toBe(30);
  });
});

describe('listing and reading', () => {
  it('filters by achievement and learner e-mail and pages with a cursor', async () => {
    const local = await createIssuer(t.app);
    const a1 = await createAchievement(t.app, local);
    const a2 = await createAchievement(t.app, local, { name: '프론트엔드 과정' });
    for (let i = 0; i < 5; i++) await issueCredential(t.app, local, a1.id, { recipient: { name: `수강생${i}`, email: `s${i}@example.com` } });
    await issueCredential(t.app, local, a2.id, { recipient: { name: '수강생0', email: 'S0@Example.com' } });
    const byAchievement = await t.app.inject({ method: 'GET', url: `/v1/credentials?achievementId=${a1.id}`, headers: local.headers });
    expect(byAchievement.json().items).toHaveLength(5);
    const byLearner = await t.app.inject({ method: 'GET', url: `/v1/credentials?learner=s0@example.com`, headers: local.headers });
    expect(byLearner.json().items).toHaveLength(2);
    const page1 = await t.app.inject({ method: 'GET', url: `/v1/credentials?limit=4`, headers: local.headers });
    expect(page1.json().items).toHaveLength(4);
    const page2 = await t.app.inject({ method: 'GET', url: `/v1/credentials?limit=4&cursor=${page1.json().nextCursor}`, headers: local.headers });
    expect(page2.json().items).toHaveLength(2);
    expect(page2.json().nextCursor).toBeNull();
    const ids = [...page1.json().items, ...page2.json().items].map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(6);
  });
});
