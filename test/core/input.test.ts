/**
 * Lax input a penetration test found, one regression each: JSON bodies coerced to the types their
 * schema wants, dates from 1900 or 2099, names that are blank or carry control or bidi characters,
 * e-mails too long for SMTP, one learner id in two Unicode forms, and achievement images that break
 * every later issue or badge. Each is a 400 problem naming the field, with nothing written.
 */
import { sql } from 'kysely';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
let issuer: TestIssuer;
let course: string;
let group: string;
let hours5: string;

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  course = (await createAchievement(t.app, issuer)).id;
  group = (await createAchievement(t.app, issuer, { kind: 'study_group', name: '알고리즘 스터디', hours: undefined })).id;
  // A threshold that one coerced session would reach.
  hours5 = (await createAchievement(t.app, issuer, { kind: 'training_hours', name: '직무교육 5시간', requiredHours: 5, hours: undefined })).id;
});
afterAll(() => t.close());

/** Every row that any of these routes could write. */
async function rowCount(): Promise<number> {
  const tables = ['issuers', 'signing_keys', 'api_keys', 'achievements', 'learners', 'credentials', 'training_hours', 'hours_awards', 'audit_events'];
  const counts = [...tables.map((table) => `(select count(*) from ${table})`), '(select coalesce(sum(allocated), 0) from status_lists)'];
  const { rows } = await sql<{ n: number }>`select ${sql.raw(counts.join(' + '))} as n`.execute(t.db);
  return Number(rows[0]!.n);
}

type Post = { url: string; headers: Record<string, string>; payload: Record<string, unknown> };

/**
 * Sends a request that must be refused: 400 problem+json naming `field`, saying what is expected
 * (`detail`, where the case pins it down), nothing written.
 */
async function expectRefused(request: Post, field: string, detail = /\S/) {
  const before = await rowCount();
  const res = await t.app.inject({ method: 'POST', ...request });
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem.field, res.body).toBe(field);
  expect(problem.detail).toContain(field);
  expect(problem.detail).toMatch(detail);
  expect(await rowCount()).toBe(before);
  return problem;
}

const seoulDate = (plusDays = 0) => new Date(Date.now() + 9 * 3_600_000 + plusDays * 86_400_000).toISOString().slice(0, 10);

const credential = (change: Record<string, unknown>, achievementId = course): Post => ({
  url: '/v1/credentials',
  headers: issuer.headers,
  payload: { achievementId, recipient: { name: '김민지', email: 'minji@example.com' }, ...change },
});
const session = (change: Record<string, unknown>): Post => ({
  url: '/v1/training-hours',
  headers: issuer.headers,
  payload: { achievementId: hours5, learner: { name: '이지현', email: 'jihyun@example.com' }, hours: 2, activity: '직무교육', date: '2026-03-02', ...change },
});
const achievement = (change: Record<string, unknown>): Post => ({
  url: '/v1/achievements',
  headers: issuer.headers,
  payload: { kind: 'course', name: '백엔드 과정', description: '450시간 과정', criteria: { narrative: '수료' }, ...change },
});
const institution = (change: Record<string, unknown>): Post => ({
  url: '/v1/issuers',
  headers: admin,
  payload: { slug: 'input-test', name: '서울여성능력개발원', url: 'https://women.seoul.example', email: 'badges@women.seoul.example', ...change },
});

describe('JSON bodies are not coerced', () => {
  test.each([
    ['hours: true (one hour)', () => session({ hours: true }), 'hours'],
    ['hours: "5" (reaching the threshold)', () => session({ hours: '5' }), 'hours'],
    ['hours: [5]', () => session({ hours: [5] }), 'hours'],
    ['a learner name as a number', () => session({ learner: { name: 42, email: 'n@example.com' } }), 'learner.name'],
    ['creditsEarned: "450"', () => credential({ creditsEarned: '450' }), 'creditsEarned'],
    ['a recipient name as a number', () => credential({ recipient: { name: 7, email: 'seven@example.com' } }), 'recipient.name'],
    ['securing as a string, not an array', () => credential({ securing: 'jwt' }), 'securing'],
    ['sessionsAttended: "3"', () => credential({ studyGroup: { name: '알고리즘', sessionsAttended: '3' } }, group), 'studyGroup.sessionsAttended'],
    ['an achievement hours: "450"', () => achievement({ hours: '450' }), 'hours'],
    ['an achievement requiredHours: true', () => achievement({ kind: 'training_hours', requiredHours: true }), 'requiredHours'],
  ])('%s → 400', async (_what, request, field) => {
    await expectRefused(request(), field, /must be (number|string|array|integer)/);
  });

  it('gives no credential for a session whose hours are a string', async () => {
    const res = await t.app.inject({ method: 'POST', ...session({ learner: { name: '이지현', email: 'threshold@example.com' }, hours: '5' }) });
    expect(res.statusCode).toBe(400);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from learners where email = 'threshold@example.com'`.execute(t.db);
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses coerced JSON cohort rows, row by row', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: issuer.headers,
      payload: {
        achievementId: group,
        items: [
          { recipient: { name: '가', email: 'cohort-a@example.com' }, creditsEarned: '450' },
          { recipient: { name: '나', email: 'cohort-b@example.com' }, studyGroup: { name: 'g', sessionsAttended: '3' } },
          { recipient: { name: '다', email: 'cohort-c@example.com' }, creditsEarned: 450 },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ issued: 1, failed: 2 });
    expect(body.results[0].error.field).toBe('creditsEarned');
    expect(body.results[1].error.field).toBe('studyGroup.sessionsAttended');
  });

  it('still reads numbers typed in CSV cells, column by column', async () => {
    const csv =
      'name,email,creditsEarned,groupName,sessionsAttended,sessionsTotal\n' +
      '라,csv-a@example.com,12.5,알고리즘,3,12\n' +
      '마,csv-b@example.com,열두,알고리즘,3,12\n' +
      '바,csv-c@example.com,12,알고리즘,3.5,12\n';
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/batch?achievementId=${group}`,
      headers: { ...issuer.headers, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ issued: 1, failed: 2 });
    expect(body.results[1].error.field).toBe('creditsEarned');
    expect(body.results[1].error.detail).toMatch(/number/);
    expect(body.results[2].error.field).toBe('sessionsAttended');
    const issued = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${body.results[0].id}`, headers: issuer.headers })).json();
    expect(issued.credential.credentialSubject.creditsEarned).toBe(12.5);
    expect(issued.credential.credentialSubject.result).toEqual([expect.objectContaining({ value: '3' })]);
  });

  it('still coerces the querystring', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/credentials?limit=2', headers: issuer.headers });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('dates within a sane window', () => {
  test.each([
    ['a session in 1900', () => session({ date: '1900-01-01' }), 'date'],
    ['a session in 2099', () => session({ date: '2099-01-01' }), 'date'],
    ['a session two days ahead in Seoul', () => session({ date: seoulDate(2) }), 'date'],
    ['a session the day before 2000', () => session({ date: '1999-12-31' }), 'date'],
    ['activityStartDate in 1900', () => credential({ activityStartDate: '1900-03-02' }), 'activityStartDate'],
    ['activityEndDate in 2099', () => credential({ activityStartDate: '2026-03-02', activityEndDate: '2099-08-28' }), 'activityEndDate'],
    ['activityEndDate as a date-time in 2099', () => credential({ activityEndDate: '2099-08-28T00:00:00Z' }), 'activityEndDate'],
    ['validFrom in 1999', () => credential({ validFrom: '1999-06-01T00:00:00Z' }), 'validFrom'],
    ['validFrom in 2099', () => credential({ validFrom: '2099-06-01T00:00:00Z' }), 'validFrom'],
    ['validUntil in 2100', () => credential({ validUntil: '2100-01-01T00:00:00Z' }), 'validUntil'],
  ])('%s → 400', async (_what, request, field) => {
    await expectRefused(request(), field, /2000-01-01/);
  });

  it('refuses a cohort row dated 1900, naming its field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: issuer.headers,
      payload: { achievementId: course, items: [{ recipient: { name: '가', email: 'dated@example.com' }, activityStartDate: '1900-01-01' }] },
    });
    expect(res.json().results[0].error.field).toBe('activityStartDate');
    expect(res.json().issued).toBe(0);
  });

  it.each([
    ['a session today in Seoul', () => session({ learner: { name: '오늘', email: 'today@example.com' }, date: seoulDate(0) })],
    ['a session tomorrow in Seoul', () => session({ learner: { name: '내일', email: 'tomorrow@example.com' }, date: seoulDate(1) })],
    ['a session on 2000-01-01', () => session({ learner: { name: '처음', email: 'y2k@example.com' }, date: '2000-01-01' })],
    ['a credential valid until 2099', () => credential({ recipient: { name: '가', email: 'long@example.com' }, validUntil: '2099-12-31T00:00:00Z' })],
  ])('accepts %s', async (_what, request) => {
    const res = await t.app.inject({ method: 'POST', ...request() });
    expect(res.statusCode, res.body).toBe(201);
  });
});

describe('names and identifiers', () => {
  const bad = [
    ['blank', '   '],
    ['only an ideographic space and a zero-width space', '\u3000\u200b'],
    ['a control character', '김민지\u0007'],
    ['a line break', '김\n민지'],
    ['a right-to-left override', '김민지\u202Egpj.exe'],
    ['a first-strong isolate', '\u2068김민지'],
    ['a lone surrogate', 'a\ud800b'],
  ] as const;

  test.each(bad)('a recipient name with %s → 400', async (_what, name) => {
    await expectRefused(credential({ recipient: { name, email: 'bad-name@example.com' } }), 'recipient.name');
  });
  test.each(bad)('a training learner name with %s → 400', async (_what, name) => {
    await expectRefused(session({ learner: { name, email: 'bad-name@example.com' } }), 'learner.name');
  });
  test.each(bad)('an achievement name with %s → 400', async (_what, name) => {
    await expectRefused(achievement({ name }), 'name');
  });
  test.each(bad)('an institution name with %s → 400', async (_what, name) => {
    await expectRefused(institution({ name }), 'name');
  });

  test.each([
    ['an externalId with a bidi override', () => credential({ recipient: { name: '가', externalId: '2026\u202E001' } }), 'recipient.externalId'],
    ['an achievement description with a bidi isolate', () => achievement({ description: '과정\u2066설명' }), 'description'],
    ['a tag with a control character', () => achievement({ tags: ['ok', 'b\u0008ad'] }), 'tags.1'],
    ['a study group name that is blank', () => credential({ studyGroup: { name: ' ' } }, group), 'studyGroup.name'],
    ['an activity that is blank', () => session({ activity: '\t ' }), 'activity'],
    ['an e-mail whose local part is 65 characters', () => credential({ recipient: { name: '가', email: `${'a'.repeat(65)}@example.com` } }), 'recipient.email'],
    [
      'an e-mail of 255 characters',
      () => credential({ recipient: { name: '가', email: `a@${'b'.repeat(61)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(61)}.kr` } }),
      'recipient.email',
    ],
    ['an institution e-mail whose local part is 65 characters', () => institution({ email: `${'a'.repeat(65)}@example.com` }), 'email'],
  ])('%s → 400', async (_what, request, field) => {
    await expectRefused(request(), field);
  });

  it('accepts a local part of 64 characters', async () => {
    const res = await t.app.inject({ method: 'POST', ...credential({ recipient: { name: '가', email: `${'a'.repeat(64)}@example.com` } }) });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('keeps a multi-line description', async () => {
    const res = await t.app.inject({ method: 'POST', ...achievement({ description: '1주차: HTML\n2주차: CSS' }) });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('stores names NFC-normalised', async () => {
    const nfd = '김민지'.normalize('NFD');
    expect(nfd).not.toBe('김민지');
    const issued = await issueCredential(t.app, issuer, course, { recipient: { name: nfd, email: 'nfd-name@example.com' } });
    expect(issued.credential.credentialSubject.name).toBe('김민지');
    const created = await createAchievement(t.app, issuer, { name: '백엔드 과정'.normalize('NFD') });
    expect(created.achievement.name).toBe('백엔드 과정');
  });

  it('takes the NFC and NFD forms of one externalId as one learner', async () => {
    const id = '학번-한글-001';
    const [nfc, nfd] = [id.normalize('NFC'), id.normalize('NFD')];
    expect(nfd).not.toBe(nfc);
    const first = await issueCredential(t.app, issuer, course, { recipient: { name: '가', externalId: nfd } });
    const second = await issueCredential(t.app, issuer, group, { recipient: { name: '가', externalId: nfc } });
    for (const form of [nfc, nfd]) {
      const list = (await t.app.inject({ method: 'GET', url: `/v1/credentials?learner=${encodeURIComponent(form)}`, headers: issuer.headers })).json();
      expect(list.items.map((i: { id: string }) => i.id).sort()).toEqual([first.id, second.id].sort());
      expect(new Set(list.items.map((i: { learner: { id: string } }) => i.learner.id)).size).toBe(1);
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from learners where external_id = ${nfc} or external_id = ${nfd}`.execute(t.db);
    expect(rows[0]!.n).toBe(1);
  });

  it('keeps one hours ledger for the NFC and NFD forms of one externalId', async () => {
    const id = '교육생-가나다';
    const a = (await t.app.inject({ method: 'POST', ...session({ learner: { name: '가', externalId: id.normalize('NFD') }, date: '2026-03-02' }) })).json();
    const b = (await t.app.inject({ method: 'POST', ...session({ learner: { name: '가', externalId: id.normalize('NFC') }, date: '2026-03-03' }) })).json();
    expect(b.learnerId).toBe(a.learnerId);
    const ledger = (await t.app.inject({ method: 'GET', url: `/v1/learners/${a.learnerId}/hours`, headers: issuer.headers })).json();
    expect(ledger.sessions).toHaveLength(2);
  });
});

/** A real PNG, w×h pixels of one colour. */
function png(w = 4, h = 4): Buffer {
  const image = new PNG({ width: w, height: h });
  image.data.fill(200);
  return PNG.sync.write(image);
}
const dataUri = (type: string, bytes: Buffer | string) => `data:image/${type};base64,${Buffer.from(bytes).toString('base64')}`;

describe('achievement and institution images', () => {
  const notPng = Buffer.from('<html>not a png</html>');
  const signatureOnly = png().subarray(0, 8);
  const truncated = png().subarray(0, 40);
  const badCrc = Buffer.from(png());
  badCrc[29] = badCrc[29]! ^ 0xff;
  const svg = (inner: string, size = 'width="10" height="10"') =>
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ${size}>${inner}</svg>`;
  const hostileSvgs = [
    ['an image from a local file', svg('<image xlink:href="/etc/hostname.png" width="10" height="10"/>')],
    ['an image from a relative path', svg('<image href="red.png" width="10" height="10"/>')],
    ['an image from a file: URL', svg('<image href="file:///usr/share/pixmaps/debian-logo.png" width="10" height="10"/>')],
    ['a filter image from a local file', svg('<filter id="f"><feImage href="/tmp/red.png"/></filter><rect width="10" height="10" filter="url(#f)"/>')],
    ['a remote image', svg('<image href="https://evil.example/x.png" width="10" height="10"/>')],
    ['an entity-encoded href', svg('<image href="&#47;etc/x.png" width="10" height="10"/>')],
    ['a paint server in another file', svg('<rect width="10" height="10" fill="url(/tmp/x.svg#a)"/>')],
    ['a CSS escape in its style sheet', svg('<style>rect{fill:u\\72l(/x.svg#a)}</style><rect width="10" height="10"/>')],
    ['a nested SVG image', svg(`<image href="${dataUri('svg+xml', '<svg/>')}" width="10" height="10"/>`)],
    ['an embedded PNG that is not one', svg(`<image href="${dataUri('png', notPng)}" width="10" height="10"/>`)],
    ['an internal DTD subset', `<!DOCTYPE svg [<!ENTITY x SYSTEM "/etc/passwd">]>${svg('<text>&x;</text>')}`],
    ['the shape of a banner', svg('<rect width="1" height="100000"/>', 'width="1" height="100000"')],
    ['no SVG at all', 'not svg at all'],
  ] as const;

  test.each<[string, string]>([
    ['an http URL with a quote', 'https://cdn.example/badge".png'],
    ['an http URL with a space', 'https://cdn.example/my badge.png'],
    ['an http URL with angle brackets', 'https://cdn.example/<b>.png'],
    ['an http URL that does not parse', 'https://exa[mple/x.png'],
    ['an http URL without a host', 'http:///x.png'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URI that claims PNG but is HTML', dataUri('png', notPng)],
    ['a PNG that is only its signature', dataUri('png', signatureOnly)],
    ['a truncated PNG', dataUri('png', truncated)],
    ['a PNG with a corrupt chunk', dataUri('png', badCrc)],
    ['a data: URI that is not base64', 'data:image/png;base64,iVBOR"w0KGgo'],
    ['a data: URI that claims JPEG but is not', dataUri('jpeg', notPng)],
    ...hostileSvgs.map(([what, text]): [string, string] => [`an SVG with ${what}`, dataUri('svg+xml', text)]),
  ])('an achievement image that is %s → 400', async (_what, image) => {
    await expectRefused(achievement({ image }), 'image');
  });

  test.each([
    ['an http URL with a quote', 'https://cdn.example/logo".png'],
    ['a data: URI that claims PNG but is not', dataUri('png', notPng)],
  ])('an institution image that is %s → 400', async (_what, image) => {
    await expectRefused(institution({ image }), 'image');
  });

  it('accepts an http(s) URL, a real PNG and a JPEG, and serves the PNG as the badge', async () => {
    for (const image of [
      'https://cdn.example/badges/backend-2026.png?v=2',
      dataUri('jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 0xff, 0xd9])),
    ]) {
      expect((await t.app.inject({ method: 'POST', ...achievement({ image }) })).statusCode).toBe(201);
    }
    const own = await createAchievement(t.app, issuer, { image: dataUri('png', png(8, 8)) });
    const issued = await issueCredential(t.app, issuer, own.id, { recipient: { name: '가', email: 'png-badge@example.com' } });
    const badge = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/badge.png` });
    expect(badge.statusCode).toBe(200);
    expect(PNG.sync.read(badge.rawPayload).width).toBe(8);
  });

  it('re-renders an SVG to a PNG at creation: no script, handler or foreignObject is kept', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120" onload="alert(1)">' +
      '<script>alert(2)</script><circle cx="60" cy="60" r="55" fill="#cc2222"/>' +
      '<foreignObject width="120" height="120"><div xmlns="http://www.w3.org/1999/xhtml" onclick="alert(3)">x</div></foreignObject></svg>';
    const created = await createAchievement(t.app, issuer, { image: dataUri('svg+xml', svg) });
    const stored = created.achievement.image.id as string;
    expect(stored).toMatch(/^data:image\/png;base64,/);
    const bytes = Buffer.from(stored.slice(stored.indexOf(',') + 1), 'base64');
    expect(bytes.toString('latin1')).not.toMatch(/script|onload|foreignObject/i);
    const rendered = PNG.sync.read(bytes);
    const centre = (rendered.width * (rendered.height >> 1) + (rendered.width >> 1)) * 4;
    expect([...rendered.data.subarray(centre, centre + 4)]).toEqual([0xcc, 0x22, 0x22, 0xff]);

    const issued = await issueCredential(t.app, issuer, created.id, { recipient: { name: '가', email: 'svg-badge@example.com' } });
    for (const file of ['badge.png', 'badge.svg']) {
      const badge = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/${file}` });
      expect(badge.statusCode, `${file}: ${badge.body.slice(0, 200)}`).toBe(200);
      expect(badge.body).not.toMatch(/<script|onload=|foreignObject/);
    }
  });

  it('keeps an SVG that embeds a PNG as a data: URI', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8"><image xlink:href="${dataUri('png', png(8, 8))}" width="8" height="8"/></svg>`;
    const created = await createAchievement(t.app, issuer, { image: dataUri('svg+xml', svg) });
    expect(created.achievement.image.id).toMatch(/^data:image\/png;base64,/);
    const rendered = PNG.sync.read(Buffer.from(created.achievement.image.id.split(',')[1], 'base64'));
    expect(rendered.width).toBeGreaterThan(0);
  });

  it('re-renders an institution SVG logo the same way', async () => {
    const res = await t.app.inject({
      method: 'POST',
      ...institution({
        slug: 'svg-logo',
        image: dataUri('svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="navy"/></svg>'),
      }),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().profile.image.id).toMatch(/^data:image\/png;base64,/);
  });
});
