// Writes a suite's localConfig.cjs naming Ieum (through the TLS front) as the only implementation.
//
// usage: W3C_BASE=https://127.0.0.1:PORT W3C_ISSUER_DID=did:web:… W3C_API_KEY=… \
//          node local-config.mjs <suite: data-model | eddsa | status-list> <suiteDir>
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [suite, suiteDir] = process.argv.slice(2);
const { W3C_BASE: base, W3C_ISSUER_DID: did, W3C_API_KEY: apiKey } = process.env;
if (!base || !did || !apiKey || !suiteDir) {
  console.error('local-config.mjs: W3C_BASE, W3C_ISSUER_DID, W3C_API_KEY and <suite> <suiteDir> are required');
  process.exit(2);
}

const tags = { 'data-model': ['vc2.0'], eddsa: ['eddsa-rdfc-2022'], 'status-list': ['BitstringStatusList', 'Revocation'] }[suite];
if (!tags) {
  console.error(`local-config.mjs: unknown suite ${suite}`);
  process.exit(2);
}
const issuer = {
  id: did,
  endpoint: `${base}/credentials/issue`,
  tags,
  headers: { Authorization: `Bearer ${apiKey}` },
  ...(suite === 'status-list' ? { options: { credentialStatus: { type: 'BitstringStatusListEntry' } } } : {}),
  ...(suite === 'eddsa' ? { supports: { vc: ['2.0'] } } : {}),
};
const config = {
  settings: { enableInteropTests: false, testAllImplementations: false },
  implementations: [
    {
      name: 'Ieum',
      implementation: 'Ieum (local)',
      issuers: [issuer],
      verifiers: [{ id: `${base}/credentials/verify`, endpoint: `${base}/credentials/verify`, tags }],
      ...(suite === 'eddsa' ? {} : { vpVerifiers: [{ id: `${base}/presentations/verify`, endpoint: `${base}/presentations/verify`, tags }] }),
    },
  ],
};
writeFileSync(
  join(suiteDir, 'localConfig.cjs'),
  `// Written by .ci/w3c/local-config.mjs for this run only.\nmodule.exports = ${JSON.stringify(config, null, 2)};\n`,
);
