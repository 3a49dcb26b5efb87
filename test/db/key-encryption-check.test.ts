/**
 * A wrong but well-formed KEY_ENCRYPTION_KEY is refused at start with one clear line (it used to
 * start, answer 500 to every issue, and seal new institutions' keys under the wrong key).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, onPostgres } from '../helpers/app.js';
import { createScratchDatabase, startService, startServiceExpectingExit } from '../helpers/process.js';

const right = randomBytes(32).toString('hex');
const wrong = randomBytes(32).toString('hex');

describe('the key-encryption key is checked at start', () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (onPostgres()) {
      const database = await createScratchDatabase();
      env = { DATABASE_URL: database.url };
      cleanup = database.drop;
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'ieum-kek-'));
      env = { DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys') };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(() => cleanup());

  it('on an empty database, then with an institution, refuses another key and starts with the right one', async () => {
    // First start on an empty database: it seals the canary under the right key.
    const first = await startService({ ...env, KEY_ENCRYPTION_KEY: right, ADMIN_TOKEN });
    await first.stop();
    const refusedEmpty = await startServiceExpectingExit({ ...env, KEY_ENCRYPTION_KEY: wrong, ADMIN_TOKEN });
    expect(refusedEmpty.code).toBe(2);
    expect(refusedEmpty.output).toContain('the key-encryption key does not open the keys in this database');
    expect(refusedEmpty.output.trim().split('\n')).toHaveLength(1);

    const second = await startService({ ...env, KEY_ENCRYPTION_KEY: right, ADMIN_TOKEN });
    const created = await fetch(`${second.url}/v1/issuers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'kek-check', name: '열쇠 확인 기관', url: 'https://kek.example', email: 'kek@example.com' }),
    });
    expect(created.status).toBe(201);
    await second.stop();
    const refused = await startServiceExpectingExit({ ...env, KEY_ENCRYPTION_KEY: wrong, ADMIN_TOKEN });
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('KEY_ENCRYPTION_KEY');

    const third = await startService({ ...env, KEY_ENCRYPTION_KEY: right, ADMIN_TOKEN });
    expect((await fetch(`${third.url}/issuers/kek-check/did.json`)).status).toBe(200);
    await third.stop();
  });
});
