/**
 * Findings of the penetration test of 12d7ff8 (issue 19): each case here failed there.
 * - one institution took over another's credential id through POST /credentials/issue;
 * - an 8 KB PNG whose compressed chunk inflates to megabytes of `[` stalled the service;
 * - a look-alike re-signed by a did:key borrowed an institution's row, status and page;
 * - a JWT whose `iss` named an institution verified while its credential's issuer was a did:key.
 */
import { deflateSync } from 'node:zlib';
import CRC32 from 'crc-32';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vcLib from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { encode as encodeBase58 } from 'base58-universal';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import jsonld from 'jsonld';
import { createHash } from 'node:crypto';
import { createDocumentLoader } from '../../src/jsonld/document-loader.js';
import { MAX_JSON_DEPTH } from '../../src/untrusted-json.js';
import { buildTestApp, type TestApp, countCredentials } from '../helpers/app.js';
import { createAchievement, createIssuer, didKeySigner, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

const PUBLIC = 'https://badges.example.kr';
let t: TestApp;
let a: TestIssuer;
let b: TestIssuer;
let achievementId: string;

beforeAll(async () => {
  t = await buildTestApp();
  a = await createIssuer(t.app);
  b = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, a)).id;
});
afterAll(() => t.close());

const plainCredential = (did: string, id?: string) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  ...(id ? { id } : {}),
  type: ['VerifiableCredential'],
  issuer: did,
  credentialSubject: { id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', name: '김민지' },
});

const vcApiIssue = (issuer: TestIssuer, credential: unknown) =>
  t.app.inject({ method: 'POST', url: '/credentials/issue', headers: issuer.headers, payload: { credential } });

describe('a credential id belongs to one institution', () => {
  it('refuses an id under our /c/ (another institution’s credential), and nothing is written', async () => {
    const theirs = await issueCredential(t.app, a, achievementId);
    const before = await countCredentials(t.db);
    const res = await vcApiIssue(b, plainCredential(b.did, theirs.credential.id));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field).toBe('credential.id');
    expect(await countCredentials(t.db)).toBe(before);
    // B's revocation of that id reaches nothing; A's credential still verifies.
    const revoke = await t.app.inject({
      method: 'POST',
      url: '/credentials/status',
      headers: b.headers,
      payload: { credentialId: theirs.credential.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
    });
    expect(revoke.statusCode).toBe(404);
    const verdict = (await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { credential: theirs.credential } })).json();
    expect(verdict.state).toBe('verified');
  });

  it('refuses any id under our address', async () => {
    const res = await vcApiIssue(b, plainCredential(b.did, `${PUBLIC}/status/anything`));
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('credential.id');
  });

  it('keeps a caller’s own id unique across the service: the second institution gets 409', async () => {
    const id = `urn:uuid:${crypto.randomUUID()}`;
    expect((await vcApiIssue(a, plainCredential(a.did, id))).statusCode).toBe(201);
    const before = await countCredentials(t.db);
    const again = await vcApiIssue(b, plainCredential(b.did, id));
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json().field).toBe('credential.id');
    expect(await countCredentials(t.db)).toBe(before);
    // The owner's status route finds it; the other's does not.
    const status = (issuer: TestIssuer) =>
      t.app.inject({
        method: 'POST',
        url: '/credentials/status',
        headers: issuer.headers,
        payload: { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'suspended' }] },
      });
    expect((await status(b)).statusCode).toBe(404);
    expect((await status(a)).statusCode).toBe(200);
  });
});

describe('a look-alike signed by someone else borrows nothing of ours', () => {
  it('is unrecognized-issuer: no status from our row or list, no page link, an amber page', async () => {
    const original = await issueCredential(t.app, a, achievementId);
    const revoke = await t.app.inject({ method: 'POST', url: `/v1/credentials/${original.id}/revoke`, headers: a.headers, payload: { reason: '잘못 발급됨' } });
    expect(revoke.statusCode, revoke.body).toBe(200);

    const { key, did } = await didKeySigner();
    const { proof: _proof, ...copy } = structuredClone(original.credential);
    copy.issuer = { ...copy.issuer, id: did };
    const suite = new DataIntegrityProof({ signer: key.signer(), cryptosuite });
    const lookAlike = await vcLib.issue({ credential: copy, suite, documentLoader: createDocumentLoader() });

    const res = await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { credential: lookAlike } });
    expect(res.statusCode, res.body).toBe(200);
    const verdict = res.json();
    expect(verdict.state).toBe('unrecognized-issuer');
    expect(verdict.pageUrl).toBeUndefined();
    expect(verdict.statusReason).toBeUndefined();
    expect(verdict.checks.find((c: any) => c.check === 'proof')).toMatchObject({ ok: true });
    // Its status entry points at A's list: that list does not speak for a did:key's credential.
    expect(verdict.checks.find((c: any) => c.check === 'status')).toMatchObject({ ok: null, code: 'status-unknown' });
    expect(verdict.checks.find((c: any) => c.check === 'issuer')).toMatchObject({ ok: false, code: 'issuer-unknown' });

    // The same on the page: amber, never 검증됨, no link to A's page.
    const boundary = '----ieum';
    const form = `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n${JSON.stringify(lookAlike)}\r\n--${boundary}--\r\n`;
    const page = await t.app.inject({
      method: 'POST',
      url: '/verify',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: form,
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-state="unrecognized-issuer"');
    expect(page.body).toContain('class="verdict warn"');
    expect(page.body).not.toContain(`href="${original.url}"`);

    // The original itself is still A's, revoked, with its page.
    const own = (await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { credential: original.credential } })).json();
    expect(own).toMatchObject({ state: 'revoked', pageUrl: original.url });
  });

  it('a JWT whose iss names an institution but whose credential is a did:key’s fails proof', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const x = Buffer.from((await exportJWK(publicKey)).x!, 'base64url');
    const did = `did:key:z${encodeBase58(Buffer.concat([Buffer.from([0xed, 0x01]), x]))}`;
    const kid = `${did}#${did.slice('did:key:'.length)}`;
    const { proof: _proof, ...credential } = structuredClone((await issueCredential(t.app, a, achievementId)).credential);
    credential.issuer = { ...credential.issuer, id: did };
    const sign = async (claims: Record<string, unknown>) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify({ ...credential, ...claims })))
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'vc+jwt', cty: 'vc' })
        .sign(privateKey);
    const verdictOf = async (jwt: string) => (await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { jwt } })).json();

    const wrongIss = await verdictOf(await sign({ iss: a.did }));
    expect(wrongIss.checks[0]).toMatchObject({ check: 'proof', ok: false, code: 'jwt-claims-mismatch' });
    expect(wrongIss.state).toBe('invalid');
    const wrongJti = await verdictOf(await sign({ iss: did, jti: `${PUBLIC}/c/${crypto.randomUUID()}` }));
    expect(wrongJti.checks[0]).toMatchObject({ code: 'jwt-claims-mismatch' });
    // Claims that agree: the signature holds, the issuer is simply unknown here.
    const agreeing = await verdictOf(await sign({ iss: did, jti: credential.id }));
    expect(agreeing.checks[0]).toMatchObject({ ok: true, code: 'signature-valid' });
    expect(agreeing.state).toBe('unrecognized-issuer');
  });
});

/**
 * A Data Integrity proof made here by hand with jsonld.js and the key's own signer, chained after
 * `previous` when given (Data Integrity §4.4): the proof options and the document as it stood with
 * the previous proofs, each canonicalised and hashed, then signed.
 */
async function handMadeProof(credential: Record<string, any>, key: any, previous: Record<string, any>[] = [], id?: string) {
  const documentLoader = createDocumentLoader();
  const options = {
    type: 'DataIntegrityProof',
    ...(id ? { id } : {}),
    cryptosuite: 'eddsa-rdfc-2022',
    created: '2026-12-01T00:00:00Z',
    verificationMethod: key.id,
    proofPurpose: 'assertionMethod',
    ...(previous.length > 0 ? { previousProof: previous.map((p) => p.id) } : {}),
  };
  const { proof: _all, ...unsigned } = credential;
  const canon = (doc: unknown) =>
    jsonld.canonize(doc, { algorithm: 'URDNA2015', format: 'application/n-quads', documentLoader, safe: true } as any) as Promise<string>;
  const hash = async (doc: unknown) =>
    createHash('sha256')
      .update(await canon(doc))
      .digest();
  const document = previous.length > 0 ? { ...unsigned, proof: previous } : unsigned;
  const data = Buffer.concat([await hash({ '@context': credential['@context'], ...options }), await hash(document)]);
  const signature: Uint8Array = await key.signer().sign({ data });
  return { ...options, proofValue: `z${encodeBase58(signature)}` };
}

describe('a proof set verifies only when every proof does (Data Integrity §4.4)', () => {
  const proofCheck = async (credential: unknown) => {
    const verdict = (await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { credential } })).json();
    return verdict.checks.find((c: any) => c.check === 'proof');
  };

  it('an endorser’s proof chained after the issuer’s verifies; a missing or broken link fails', async () => {
    const issuer = await didKeySigner();
    const endorser = await didKeySigner();
    const credential = plainCredential(issuer.did, `urn:uuid:${crypto.randomUUID()}`);
    const issuers = await handMadeProof(credential, issuer.key, [], 'urn:uuid:0b5a1f0e-55a7-4e4e-9a55-6c1f4b0f7c01');
    const endorsement = await handMadeProof({ ...credential, proof: [issuers] }, endorser.key, [issuers]);
    expect(await proofCheck({ ...credential, proof: [issuers] })).toMatchObject({ ok: true, code: 'signature-valid' });
    expect(await proofCheck({ ...credential, proof: [issuers, endorsement] })).toMatchObject({ ok: true, code: 'signature-valid' });

    expect(await proofCheck({ ...credential, proof: [issuers, { ...endorsement, previousProof: 'urn:uuid:not-in-this-set' }] })).toMatchObject({
      ok: false,
      code: 'signature-invalid',
    });
    expect(await proofCheck({ ...credential, proof: [endorsement] })).toMatchObject({ ok: false });
    const tamperedIssuers = { ...issuers, created: '2026-01-01T00:00:00Z' };
    expect(await proofCheck({ ...credential, proof: [tamperedIssuers, endorsement] })).toMatchObject({ ok: false, code: 'signature-invalid' });
  });

  it('one good proof of the issuer does not carry a second, broken one', async () => {
    const { credential } = await issueCredential(t.app, a, achievementId);
    const good = credential.proof[0];
    expect(await proofCheck(credential)).toMatchObject({ ok: true, code: 'signature-valid' });
    expect(await proofCheck({ ...credential, proof: [good, { ...good, created: '2026-01-01T00:00:00Z' }] })).toMatchObject({
      ok: false,
      code: 'signature-invalid',
    });
  });

  it('proofs by others alone are not the issuer’s', async () => {
    const { credential } = await issueCredential(t.app, a, achievementId);
    const other = await didKeySigner();
    expect(await proofCheck({ ...credential, proof: [await handMadeProof(credential, other.key)] })).toMatchObject({ ok: false, code: 'key-not-issuers' });
  });
});

/** A PNG with one compressed iTXt chunk "openbadgecredential" holding `text`. */
function pngWithCompressedCredential(text: string): Buffer {
  const png = new PNG({ width: 1, height: 1 });
  const base = PNG.sync.write(png);
  const data = Buffer.concat([Buffer.from('openbadgecredential\0', 'latin1'), Buffer.from([1, 0]), Buffer.from('\0\0'), deflateSync(text, { level: 9 })]);
  const typeAndData = Buffer.concat([Buffer.from('iTXt', 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(CRC32.buf(typeAndData) >>> 0);
  const iend = base.length - 12;
  return Buffer.concat([base.subarray(0, iend), length, typeAndData, crc, base.subarray(iend)]);
}

describe('untrusted input is bounded before it is parsed', () => {
  it('a small PNG whose chunk inflates to megabytes is refused, not parsed', async () => {
    const bomb = pngWithCompressedCredential('{"a":' + '['.repeat(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(16 * 1024);
    const res = await t.app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'image/png' }, payload: bomb });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ field: 'image' });
    expect(res.json().detail).toMatch(/inflates to more than 512 KiB/);
  });

  it('a PNG whose credential nests too deeply within the size limit is refused', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/verify',
      headers: { 'content-type': 'image/png' },
      payload: pngWithCompressedCredential('{"a":' + '['.repeat(100_000)),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field: 'image' });
    expect(res.json().detail).toContain(`more than ${MAX_JSON_DEPTH} levels`);
  });

  /** JSON text of a Profile whose parentOrg nests `levels` deep (as text: JSON.stringify would overflow). */
  const deepText = (levels: number) => '{"type":["Profile"],"parentOrg":'.repeat(levels) + '{"id":"https://example.org/root"}' + '}'.repeat(levels);
  const deep = (levels: number) => JSON.parse(deepText(levels));
  it.each([
    [
      '/credentials/issue (issuer.parentOrg 10,000 deep)',
      '/credentials/issue',
      () => JSON.stringify({ credential: { ...plainCredential(a.did), issuer: '@' } }).replace('"@"', `{"id":"${a.did}","parentOrg":${deepText(10_000)}}`),
    ],
    [
      '/v1/verify (a credential 10,000 deep)',
      '/v1/verify',
      () => JSON.stringify({ credential: { ...plainCredential(a.did), issuer: '@' } }).replace('"@"', deepText(10_000)),
    ],
  ])('%s is a 400 naming the body', async (_what, url, body) => {
    const before = await countCredentials(t.db);
    const res = await t.app.inject({ method: 'POST', url, headers: { ...a.headers, 'content-type': 'application/json' }, payload: body() });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field: 'body' });
    expect(await countCredentials(t.db)).toBe(before);
  });

  it('a JWT whose payload nests too deeply is a 400 naming jwt', async () => {
    const payload = Buffer.from('{"a":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}').toString('base64url');
    const res = await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { jwt: `eyJhbGciOiJFZERTQSJ9.${payload}.c2ln` } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field: 'jwt' });
  });

  it('a credential nested as deep as the limit allows is still read', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/verify',
      payload: { credential: { ...plainCredential(a.did), evidence: deep(MAX_JSON_DEPTH / 2 - 4) } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().state).toBe('invalid');
  });
});

describe('limits are 4xx problem+json, never 500 or Fastify’s own JSON', () => {
  const boundary = 'ieum-limits';
  const part = (name: string, body: string | Buffer, filename?: string) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: application/json` : ''}\r\n\r\n`,
      ),
      Buffer.from(body),
      Buffer.from('\r\n'),
    ]);
  const form = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
  it.each([
    ['a file over 2 MiB', () => form(part('file', Buffer.alloc(2 * 1024 * 1024 + 1, 0x61), 'big.json')), 'file'],
    ['two files', () => form(part('file', '{}', 'a.json'), part('other', '{}', 'b.json')), 'body'],
    ['extra fields', () => form(...['a', 'b', 'c', 'd', 'e'].map((name) => part(name, '1')), part('text', '{}')), 'body'],
    ['pasted text over 512 KiB', () => form(part('text', 'x'.repeat(512 * 1024 + 1))), 'text'],
  ])('POST /verify with %s: 413 naming %s (a browser gets the page)', async (_what, payload, field) => {
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const res = await t.app.inject({ method: 'POST', url: '/verify', headers, payload: payload() });
    expect(res.statusCode, res.body).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().field).toBe(field);
    const browser = await t.app.inject({ method: 'POST', url: '/verify', headers: { ...headers, accept: 'text/html' }, payload: payload() });
    expect(browser.statusCode).toBe(413);
    expect(browser.body).toContain('id="verify-error"');
  });

  it('a path segment longer than any id is 414, headers over 16 KiB are 431', async () => {
    const long = await t.app.inject({ method: 'GET', url: `/c/${'a'.repeat(5000)}` });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toContain('application/problem+json');
    expect(long.json()).toMatchObject({ type: 'https://ieum.dev/problems/uri-too-long', field: 'url' });
    // Node's HTTP parser answers before any route: only a listening server shows it.
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/health`, { headers: { 'x-padding': 'a'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ type: 'https://ieum.dev/problems/headers-too-large', status: 431 });
  });
});
