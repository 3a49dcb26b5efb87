/**
 * Database errors as the service sees them, the same on both engines: PostgreSQL's own fields (code,
 * constraint) arrive with the error, the statement's SQL text does not (a cohort's chunk is tens of KB).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/app.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('a database error', () => {
  it('carries its code and constraint, not the SQL text', async () => {
    const issuer = { id: randomUUID(), slug: `db-${randomUUID().slice(0, 8)}`, name: '기관', url: 'https://x.example', email: 'x@example.com' };
    await t.db.insertInto('issuers').values(issuer).execute();
    const error = await t.db.insertInto('issuers').values({ ...issuer, id: randomUUID() }).execute().then(
      () => undefined,
      (e: unknown) => e as Record<string, unknown>,
    );
    expect(error).toMatchObject({ code: '23505' });
    expect(String(error!.constraint)).toMatch(/slug/);
    expect(error!.query).toBeUndefined();
  });
});
