/**
 * The holder's key, read from the proof alone: did:key (Ed25519 and P-256, the compressed point
 * decompressed), did:jwk, a jwk header; and the keys and DIDs refused.
 */
import { ECDH, generateKeyPairSync } from 'node:crypto';
import * as base58 from 'base58-universal';
import { describe, expect, it } from 'vitest';
import { didJwkOf, holderOfHeader, jwkOfDidKey, KeyProofError } from '../../src/wallets/key-proof.js';

const didKey = (prefix: number[], key: Buffer) => `did:key:z${base58.encode(Uint8Array.from([...prefix, ...key]))}`;

describe('the holder key of a proof header', () => {
  it('reads an Ed25519 did:key', () => {
    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const did = didKey([0xed, 0x01], Buffer.from(jwk.x!, 'base64url'));
    expect(jwkOfDidKey(did)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
    const multibase = did.slice('did:key:'.length);
    expect(holderOfHeader({ kid: `${did}#${multibase}` })).toEqual({ did, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } });
  });

  it('reads a P-256 did:key, whose compressed point it decompresses', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const uncompressed = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const compressed = ECDH.convertKey(uncompressed, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
    expect(jwkOfDidKey(didKey([0x80, 0x24], compressed))).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
  });

  it('makes one did:jwk of a jwk header, whatever else the header jwk carries, and reads it back as kid', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const holder = holderOfHeader({ jwk: { ...jwk, kid: 'wallet-key-1', use: 'sig' } });
    expect(holder.did).toBe(didJwkOf({ kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }));
    expect(holderOfHeader({ kid: `${holder.did}#0` })).toEqual(holder);
  });

  it.each([
    ['no key at all', {}],
    ['kid and jwk together', { kid: 'did:key:z6Mk', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AA' } }],
    ['an x5c chain', { x5c: ['MIIB'] }],
    ['a did:web kid', { kid: 'did:web:evil.example#key-1' }],
    ['an http kid', { kid: 'https://evil.example/key' }],
    ['a did:key that is not base58btc', { kid: 'did:key:mAAAA' }],
    ['a did:key of another key type (secp256k1)', { kid: didKey([0xe7, 0x01], Buffer.alloc(33, 2)) }],
    ['a did:key whose fragment names another key', { kid: `${didKey([0xed, 0x01], Buffer.alloc(32, 1))}#z6MkOther` }],
    ['a P-256 did:key that is not a point', { kid: didKey([0x80, 0x24], Buffer.alloc(33, 9)) }],
    ['a private jwk', { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AA', d: 'BB' } }],
    ['an RSA jwk', { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }],
    ['a did:jwk that is not JSON', { kid: 'did:jwk:bm90LWpzb24#0' }],
  ])('refuses %s', (_name, header) => {
    expect(() => holderOfHeader(header as Record<string, unknown>)).toThrow(KeyProofError);
  });
});
