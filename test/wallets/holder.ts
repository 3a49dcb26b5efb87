/**
 * The holder's side, written by no one here: the OpenWallet Foundation's OpenID4VCI client
 * (@openid4vc/openid4vci with @openid4vc/oauth2), given only what a wallet brings of its own:
 * fetch, hashing, randomness and its keys. It talks to the app over real HTTP: the app listens on a
 * local port, and the client's fetch sends requests for PUBLIC_URL (https) there, as a TLS-ending
 * proxy in front of the service would.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type CallbackContext, clientAuthenticationAnonymous, type Jwk, type JwtSigner } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import * as base58 from 'base58-universal';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface HolderKey {
  /** The DID the credential should name as its subject. */
  did: string;
  signer: JwtSigner;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** An Ed25519 key as a did:key; the proof names it by kid = did:key:z…#z…. */
export async function didKeyHolder(): Promise<HolderKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const multibase = `z${base58.encode(Uint8Array.from([0xed, 0x01, ...Buffer.from(publicJwk.x!, 'base64url')]))}`;
  const did = `did:key:${multibase}`;
  return { did, privateKey, publicJwk, signer: { method: 'did', didUrl: `${did}#${multibase}`, alg: 'EdDSA' } };
}

/** A P-256 key carried in the proof as a jwk header; the holder is then did:jwk of it. */
export async function jwkHolder(): Promise<HolderKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const did = `did:jwk:${Buffer.from(JSON.stringify({ crv: publicJwk.crv, kty: publicJwk.kty, x: publicJwk.x, y: publicJwk.y })).toString('base64url')}`;
  return { did, privateKey, publicJwk, signer: { method: 'jwk', publicJwk: publicJwk as Jwk, alg: 'ES256' } };
}

/** Signs a JWT with whichever holder key the signer names. */
export async function signWith(key: HolderKey, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

/** The client, with its fetch pointed at the listening app. */
export function walletClient(publicUrl: string, listeningAt: string, keys: HolderKey[]): Openid4vciClient {
  const callbacks: Omit<CallbackContext, 'verifyJwt' | 'decryptJwe' | 'encryptJwe'> = {
    fetch: (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
      if (!url.startsWith(publicUrl)) throw new Error(`the wallet was sent to ${url}, not to the issuer`);
      return fetch(listeningAt + url.slice(publicUrl.length), init);
    },
    hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
    generateRandom: (length) => randomBytes(length),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      const key = keys.find((k) => k.signer === signer || JSON.stringify(k.signer) === JSON.stringify(signer));
      if (!key) throw new Error('no key for this signer');
      return { jwt: await signWith(key, header, payload), signerJwk: key.publicJwk as Jwk };
    },
  };
  return new Openid4vciClient({ callbacks });
}

/** The whole pre-authorized flow as a wallet runs it: offer → metadata → token → nonce → proof → credential. */
export async function takeCredential(client: Openid4vciClient, offerUri: string, key: HolderKey, configurationId: string, txCode?: string) {
  const credentialOffer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    ...(txCode ? { txCode } : {}),
  });
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configurationId,
    signer: key.signer,
    nonce: c_nonce,
  });
  const response = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configurationId,
    proofs: { jwt: [jwt] },
  });
  return { credentialOffer, issuerMetadata, accessToken: accessTokenResponse.access_token, response };
}
