/**
 * Issuer signing keys: Ed25519 (Data Integrity eddsa-rdfc-2022 and EdDSA JWTs) and RSA-2048
 * (RS256 JWTs, which OB 3.0 requires verifiers to accept). Private halves are sealed at rest and
 * held in memory only as KeyObjects.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { seal, unseal } from './key-encryption.js';

const generate = promisify(generateKeyPair);

export type KeyAlgorithm = 'Ed25519' | 'RS256';

/** A key's public half as a JWK. */
export interface JsonWebKeyPublic {
  kty: string;
  crv?: string;
  x?: string;
  n?: string;
  e?: string;
}

export interface NewKeyMaterial {
  algorithm: KeyAlgorithm;
  publicJwk: JsonWebKeyPublic;
  publicKeyMultibase: string | null;
  sealedPrivateKey: string;
}

/** What seals a key binds it to: its row id, so a sealed blob cannot be swapped into another row. */
export const aadFor = (keyId: string) => `ieum:signing-key:${keyId}`;

export async function generateKeyMaterial(kek: Buffer, keyId: string, algorithm: KeyAlgorithm): Promise<NewKeyMaterial> {
  const { privateKey, publicKey } =
    algorithm === 'Ed25519' ? await generate('ed25519') : await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const publicJwk = publicKey.export({ format: 'jwk' }) as JsonWebKeyPublic;
  const publicKeyMultibase = algorithm === 'Ed25519' ? (await Ed25519Multikey.fromJwk({ jwk: publicJwk })).publicKeyMultibase : null;
  return {
    algorithm,
    publicJwk,
    publicKeyMultibase,
    sealedPrivateKey: seal(kek, JSON.stringify(privateJwk), aadFor(keyId)),
  };
}

/** A key ready to sign: its DID URL and the private key as a KeyObject. */
export interface SigningKey {
  rowId: string;
  /** DID URL of the verification method: `did:web:…#key-1`. */
  verificationMethod: string;
  controller: string;
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Only for Ed25519: the Multikey used by the Data Integrity suite. */
  multikey?: Ed25519Multikey.Multikey;
}

/** A stored key as sealed by generateKeyMaterial, under the id it was sealed for. */
export interface SealedKey {
  keyId: string;
  algorithm: KeyAlgorithm;
  /** The verification method's fragment in the controller's DID document. */
  fragment: string;
  sealedPrivateKey: string;
}

export async function openSigningKey(kek: Buffer, key: SealedKey, controller: string): Promise<SigningKey> {
  const privateJwk = JSON.parse(unseal(kek, key.sealedPrivateKey, aadFor(key.keyId)));
  return signingKeyFromJwk({ rowId: key.keyId, algorithm: key.algorithm, verificationMethod: `${controller}#${key.fragment}`, controller, privateJwk });
}

/** What a signing worker receives to rebuild a key: it never leaves the process. */
export interface TransferableKey {
  rowId: string;
  algorithm: KeyAlgorithm;
  verificationMethod: string;
  controller: string;
  privateJwk: JsonWebKey;
}

export function toTransferable(key: SigningKey): TransferableKey {
  return {
    rowId: key.rowId,
    algorithm: key.algorithm,
    verificationMethod: key.verificationMethod,
    controller: key.controller,
    privateJwk: key.privateKey.export({ format: 'jwk' }),
  };
}

export async function signingKeyFromJwk(t: TransferableKey): Promise<SigningKey> {
  const privateKey = createPrivateKey({ key: t.privateJwk, format: 'jwk' });
  const key: SigningKey = {
    rowId: t.rowId,
    verificationMethod: t.verificationMethod,
    controller: t.controller,
    algorithm: t.algorithm,
    privateKey,
    publicKey: createPublicKey(privateKey),
  };
  if (t.algorithm === 'Ed25519') {
    key.multikey = await Ed25519Multikey.fromJwk({ jwk: t.privateJwk, secretKey: true, id: t.verificationMethod, controller: t.controller });
  }
  return key;
}
