/** A fresh Ed25519 signing key for `did`, as the service holds one (verification method `${did}#ed25519-1`). */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { type SigningKey, signingKeyFromJwk } from '../../src/crypto/keys.js';

export function newSigningKey(did: string): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  return signingKeyFromJwk({
    rowId: randomUUID(),
    algorithm: 'Ed25519',
    verificationMethod: `${did}#ed25519-1`,
    controller: did,
    privateJwk: privateKey.export({ format: 'jwk' }),
  });
}
