import { describe, expect, it } from 'vitest';
import { ConfigError, didWebBase, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has working defaults for the embedded start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000', dataDir: './data', keysDir: './keys' });
    expect(config.databaseUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'ftp://example.org' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://example.org/?q=1' }, /PUBLIC_URL/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN/],
    [{ KEY_ENCRYPTION_KEY: 'abcd' }, /KEY_ENCRYPTION_KEY/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: 'proxy.local' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '0' }, /TRUST_PROXY/],
  ])('refuses %o with one line naming the variable', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });

  it('reads TRUST_PROXY as hops or addresses and CIDRs, and trusts no proxy by default', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
  });

  it('accepts a key-encryption key in hex or base64', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ KEY_ENCRYPTION_KEY: hex }).keyEncryptionKey?.toString('hex')).toBe(hex);
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ KEY_ENCRYPTION_KEY: b64 }).keyEncryptionKey).toEqual(Buffer.alloc(32, 7));
  });

  it('turns PUBLIC_URL into a did:web base, the port as %3A and a path as segments', () => {
    expect(didWebBase('https://badges.example.kr')).toBe('did:web:badges.example.kr');
    expect(didWebBase('http://localhost:3000')).toBe('did:web:localhost%3A3000');
    expect(didWebBase('https://example.org/ieum')).toBe('did:web:example.org:ieum');
    expect(loadConfig({ PUBLIC_URL: 'https://example.org/ieum/' }).publicUrl).toBe('https://example.org/ieum');
  });
});
