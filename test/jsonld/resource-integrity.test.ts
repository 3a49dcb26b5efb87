import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encode as encodeBase58 } from 'base58-universal';
import { describe, expect, it } from 'vitest';
import { bundledContext, contextLoader, unknownContexts, VC_EXAMPLES_V2_CONTEXT, VC_V2_CONTEXT } from '../../src/jsonld/document-loader.js';
import { checkDigestMultibase, checkDigestSRI, heldResources } from '../../src/jsonld/resource-integrity.js';

/** VC-DM 2.0 Appendix B.1: the SHA2-256 digest of the base context file. */
const RECOMMENDATION_SHA256 = '24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9';
/** The W3C VC-DM 2.0 test suite's relatedResource fixture (tests/fixtures.js), for the base context. */
const SUITE_SRI = 'sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg';
const SUITE_MULTIBASE = 'uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k';

describe('bundled contexts', () => {
  it('serves the VC 2.0 examples context (one @vocab)', async () => {
    expect((await contextLoader(VC_EXAMPLES_V2_CONTEXT)).document).toEqual({ '@context': { '@vocab': 'https://www.w3.org/ns/credentials/examples#' } });
  });

  it('keeps the base context revision whose digest the Recommendation states, byte for byte', () => {
    const published = readFileSync(new URL('../../src/jsonld/contexts/credentials-v2-2024-07.jsonld', import.meta.url));
    expect(createHash('sha256').update(published).digest('hex')).toBe(RECOMMENDATION_SHA256);
  });

  it('holds for each resource the bytes of the document the loader serves', () => {
    for (const [url, revisions] of heldResources) {
      expect(
        revisions.some((bytes) => JSON.stringify(JSON.parse(bytes.toString('utf8'))) === JSON.stringify(bundledContext(url))),
        url,
      ).toBe(true);
    }
  });
});

describe('relatedResource digests (VC-DM 2.0 §5.3)', () => {
  const current = heldResources.get(VC_V2_CONTEXT)![0]!;
  const sha256 = createHash('sha256').update(current).digest();
  it.each([
    ['the suite’s digestSRI (the Recommendation’s revision)', () => checkDigestSRI(VC_V2_CONTEXT, SUITE_SRI), 'match'],
    ['the suite’s digestMultibase (the Recommendation’s revision)', () => checkDigestMultibase(VC_V2_CONTEXT, SUITE_MULTIBASE), 'match'],
    ['SRI of the revision the loader serves', () => checkDigestSRI(VC_V2_CONTEXT, `sha512-${createHash('sha512').update(current).digest('base64')}`), 'match'],
    [
      'two SRI hashes of one revision',
      () => checkDigestSRI(VC_V2_CONTEXT, `sha256-${sha256.toString('base64')} sha384-${createHash('sha384').update(current).digest('base64')}`),
      'match',
    ],
    ['a base58btc multihash', () => checkDigestMultibase(VC_V2_CONTEXT, 'z' + encodeBase58(Buffer.concat([Buffer.from([0x12, 0x20]), sha256]))), 'match'],
    ['the suite’s wrong digestMultibase', () => checkDigestMultibase(VC_V2_CONTEXT, 'uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0'), 'mismatch'],
    ['a digest of another resource', () => checkDigestSRI(VC_EXAMPLES_V2_CONTEXT, SUITE_SRI), 'mismatch'],
    [
      'the suite’s wrong digestSRI (base64url, not an SRI digest)',
      () => checkDigestSRI(VC_V2_CONTEXT, 'sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P'),
      'mismatch',
    ],
    ['an SRI with an unknown algorithm', () => checkDigestSRI(VC_V2_CONTEXT, 'md5-1B2M2Y8AsgTpgAmY7PhCfg=='), 'unreadable'],
    ['an SRI of the wrong length', () => checkDigestSRI(VC_V2_CONTEXT, 'sha256-AAAA'), 'unreadable'],
    ['a multibase of no known base', () => checkDigestMultibase(VC_V2_CONTEXT, 'k51qzi5uqu5d'), 'unreadable'],
    ['a multibase that is not a string', () => checkDigestMultibase(VC_V2_CONTEXT, 42), 'unreadable'],
    ['a resource not held here', () => checkDigestSRI('https://example.org/terms.pdf', SUITE_SRI), 'not-held'],
  ])('%s: %s', (_what, run, expected) => {
    expect(run()).toBe(expected);
  });
});

describe('unknownContexts', () => {
  it.each<[string, unknown, string[]]>([
    ['bundled URLs', [VC_V2_CONTEXT, VC_EXAMPLES_V2_CONTEXT], []],
    [
      'an inline context of terms',
      [VC_V2_CONTEXT, { Alumni: 'https://example.org/#Alumni', alumniOf: { '@id': 'https://example.org/#alumniOf', '@type': '@id' } }],
      [],
    ],
    ['an inline context wrapped in @context (as the eddsa suite writes it)', [VC_V2_CONTEXT, { '@context': { Alumni: 'https://example.org/#Alumni' } }], []],
    ['an inline context that imports a bundled one', [VC_V2_CONTEXT, { '@import': VC_EXAMPLES_V2_CONTEXT, x: 'https://example.org/#x' }], []],
    ['an unknown URL', [VC_V2_CONTEXT, 'https://evil.example/ctx.json'], ['https://evil.example/ctx.json']],
    ['an inline context that imports an unknown URL', [VC_V2_CONTEXT, { '@import': 'https://evil.example/ctx.json' }], ['https://evil.example/ctx.json']],
    [
      'a scoped context naming an unknown URL',
      [VC_V2_CONTEXT, { Thing: { '@id': 'https://example.org/#Thing', '@context': ['https://evil.example/scoped.json'] } }],
      ['https://evil.example/scoped.json'],
    ],
    ['a number', [VC_V2_CONTEXT, 7], ['an invalid context entry (number)']],
  ])('%s', (_what, context, expected) => {
    expect(unknownContexts(context)).toEqual(expected);
  });
});
