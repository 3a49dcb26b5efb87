/**
 * The CLR 2.0 JSON-LD context (1EdTech Comprehensive Learner Record Standard v2.0), served from
 * memory under its published URL because no npm package ships it.
 *
 * Written from the CLR 2.0 vocabulary (https://purl.imsglobal.org/spec/vc/clr/vocab.html). Every term
 * definition must be the published one, IRI and coercion alike: a Data Integrity proof signs the
 * canonical RDF, so a "close enough" context would break other issuers' signatures, and ours for
 * other verifiers. The 1EdTech-signed sample in shared/conformance verifies with it, which is the
 * check that it is the same. Quirks of the published file are kept on purpose (the test vector in the
 * OB 3.0 Implementation Guide, "Linked Data Proof Test Vector for CLR 2.0", shows them in N-Quads):
 * - `associationType` maps to `…#AssociationType` (capital A);
 * - `xsd:` is never declared, so `xsd:anyURI` / `xsd:boolean` stay compact IRIs as datatypes;
 * - `ClrSubject.identifier` is `…#identifier-1`;
 * - `verifiableCredential` is a plain property, not a `@graph` container: the nested credentials'
 *   statements join the CLR's own graph, and each nested proof stays in its own named graph.
 */

export const CLR_V2_CONTEXT = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';

const CLR = 'https://purl.imsglobal.org/spec/vc/clr/vocab.html#';

/** The CLR 2.0 data model's classes and properties as JSON-LD term definitions. */
export const clrContextDocument = {
  '@context': {
    id: '@id',
    type: '@type',
    // ClrCredential: `partial` says the record leaves out some of what the issuer knows of the learner.
    ClrCredential: {
      '@id': `${CLR}ClrCredential`,
      '@context': {
        id: '@id',
        type: '@type',
        partial: { '@id': `${CLR}partial`, '@type': 'xsd:boolean' },
      },
    },
    // ClrSubject: the learner, the nested credentials, their achievements and how those relate.
    ClrSubject: {
      '@id': `${CLR}ClrSubject`,
      '@context': {
        id: '@id',
        type: '@type',
        cred: 'https://www.w3.org/2018/credentials#',
        obi: 'https://purl.imsglobal.org/spec/vc/ob/vocab.html#',
        achievement: { '@id': `${CLR}achievement`, '@type': 'obi:Achievement', '@container': '@set' },
        association: { '@id': `${CLR}association`, '@type': `${CLR}Association`, '@container': '@set' },
        verifiableCredential: { '@id': `${CLR}verifiableCredential`, '@type': 'cred:verifiableCredential', '@container': '@set' },
        identifier: { '@id': `${CLR}identifier-1`, '@type': 'obi:Identifier', '@container': '@set' },
      },
    },
    // Association: a typed link between two achievements of the record (isParentOf, precedes, …).
    Association: {
      '@id': `${CLR}Association`,
      '@context': {
        associationType: { '@id': `${CLR}AssociationType` },
        sourceId: { '@id': `${CLR}sourceId`, '@type': 'xsd:anyURI' },
        targetId: { '@id': `${CLR}targetId`, '@type': 'xsd:anyURI' },
      },
    },
  },
} as const;
