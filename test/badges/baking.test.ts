import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { Resvg } from '@resvg/resvg-js';
import CRC32 from 'crc-32';
import { bakePng, bakeSvg, unbakePng, unbakeSvg } from '../../src/badges/baking.js';
import { generatedBadgeSvg, renderPng } from '../../src/badges/generated-badge.js';
import { InvalidInput } from '../../src/invalid-input.js';

/** Signed-looking: Korean, emoji, and every character that could break out of CDATA or markup. */
const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: 'https://badges.example.kr/c/0b7c6a52-3c5e-4a6e-9d55-1b2f7f1c9e10',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: { id: 'did:web:badges.example.kr:issuers:seoul-women', type: ['Profile'], name: '서울여성능력개발원' },
  validFrom: '2026-08-28T00:00:00Z',
  name: '백엔드 개발자 입문과정 🎓',
  credentialSubject: {
    type: ['AchievementSubject'],
    identifier: [{ type: 'IdentityObject', identityHash: 'sha256$0c3c…', identityType: 'emailAddress', hashed: true, salt: 'x]]>y' }],
    achievement: {
      id: 'https://badges.example.kr/achievements/1',
      type: ['Achievement'],
      name: '백엔드 개발자 입문과정 🎓',
      description: 'Ends a CDATA: ]]> — and markup: <svg onload="x">&amp; \'quotes\' 👩‍💻',
      criteria: { narrative: '출석 80% 이상, 최종 프로젝트 통과' },
    },
  },
  proof: [
    {
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      created: '2026-08-28T09:00:00Z',
      verificationMethod: 'did:web:badges.example.kr:issuers:seoul-women#key-1',
      proofPurpose: 'assertionMethod',
      proofValue: 'z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKods5D2UAUL5n2Brbx',
    },
  ],
};

const jws = 'eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDp3ZWI6eCNrZXktMSJ9.eyJ2YyI6eyJuYW1lIjoi67Cx7JeU65OcIn19.c2lnbmF0dXJl';

/** An independent reading of a PNG's chunks: type and, for iTXt, keyword. */
function chunkList(png: Buffer): { type: string; keyword?: string; data: Buffer }[] {
  const chunks: { type: string; keyword?: string; data: Buffer }[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    chunks.push(type === 'iTXt' ? { type, keyword: data.toString('latin1', 0, data.indexOf(0)), data } : { type, data });
    offset += 12 + length;
  }
  return chunks;
}

const credentialChunks = (png: Buffer) => chunkList(png).filter((c) => c.keyword === 'openbadgecredential');

/** Strict XML parse (resvg's parser rejects undeclared prefixes, stray `]]>`, bad entities). */
function expectWellFormedSvg(svg: string): void {
  expect(() => new Resvg(svg)).not.toThrow();
}

let badgePng: Buffer;
beforeAll(async () => {
  badgePng = await renderPng(generatedBadgeSvg({ name: '백엔드 개발자 입문과정', issuerName: '서울여성능력개발원', kind: 'course', hours: 450 }));
});

describe('PNG baking (OB 3.0 §5.3.1)', () => {
  it('round-trips a credential through a rendered badge, which stays a valid PNG', () => {
    const baked = bakePng(badgePng, credential);
    const text = unbakePng(baked);
    expect(text).toBeDefined();
    expect(JSON.parse(text ?? '')).toEqual(credential);

    const decoded = PNG.sync.read(baked); // pngjs checks every CRC
    expect([decoded.width, decoded.height]).toEqual([600, 600]);
  });

  it('writes one uncompressed iTXt chunk, empty language and translation, just before IEND', () => {
    const baked = bakePng(badgePng, credential);
    const chunks = chunkList(baked);
    expect(chunks.at(-1)?.type).toBe('IEND');
    const chunk = chunks.at(-2);
    expect(chunk?.keyword).toBe('openbadgecredential');
    const header = Buffer.concat([Buffer.from('openbadgecredential', 'latin1'), Buffer.from([0, 0, 0, 0, 0])]);
    expect(chunk?.data.subarray(0, header.length)).toEqual(header);
    expect(chunk?.data.subarray(header.length).toString('utf8')).toBe(JSON.stringify(credential));
  });

  it('leaves one chunk when baked twice, holding the newer credential', () => {
    const once = bakePng(badgePng, credential);
    const twice = bakePng(once, { ...credential, id: 'urn:uuid:second' });
    expect(credentialChunks(twice)).toHaveLength(1);
    expect(JSON.parse(unbakePng(twice) ?? '').id).toBe('urn:uuid:second');
    expect(twice.length).toBe(once.length + 'urn:uuid:second'.length - credential.id.length);
  });

  it('bakes a VC-JOSE credential as its compact JWS', () => {
    expect(unbakePng(bakePng(badgePng, jws))).toBe(jws);
  });

  it('keeps every other chunk as it was', () => {
    const before = chunkList(badgePng).map((c) => c.type);
    const after = chunkList(bakePng(badgePng, credential)).map((c) => c.type);
    expect(after).toEqual([...before.slice(0, -1), 'iTXt', 'IEND']);
  });

  it('unbakes a PNG without a credential to undefined', () => {
    expect(unbakePng(badgePng)).toBeUndefined();
  });

  it('reads a compressed chunk written by another baker', () => {
    const text = JSON.stringify(credential);
    const typeAndData = Buffer.concat([
      Buffer.from('iTXtopenbadgecredential', 'latin1'),
      Buffer.from([0, 1, 0]),
      Buffer.from('ko\0\0', 'latin1'),
      deflateSync(Buffer.from(text, 'utf8')),
    ]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(typeAndData.length - 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(CRC32.buf(typeAndData) >>> 0);
    const iend = badgePng.subarray(badgePng.length - 12);
    const png = Buffer.concat([badgePng.subarray(0, badgePng.length - 12), length, typeAndData, crc, iend]);
    expect(unbakePng(png)).toBe(text);
  });

  it('refuses what is not a PNG, a truncated PNG and a corrupt credential chunk', () => {
    expect(() => unbakePng(Buffer.from('<svg/>'))).toThrow(InvalidInput);
    expect(() => bakePng(Buffer.from('GIF89a'), credential)).toThrow(/not a PNG/);
    expect(() => bakePng(badgePng.subarray(0, badgePng.length - 20), credential)).toThrow(/truncated/);

    const baked = bakePng(badgePng, credential);
    const corrupt = Buffer.from(baked);
    const textAt = corrupt.indexOf('서울여성', 0, 'utf8');
    corrupt[textAt] = (corrupt[textAt] ?? 0) ^ 0x01;
    expect(() => unbakePng(corrupt)).toThrow(/CRC/);
  });

  it('refuses to bake text that is neither credential JSON nor a compact JWS', () => {
    expect(() => bakePng(badgePng, 'hello world')).toThrow(TypeError);
    expect(() => bakePng(badgePng, '{not json')).toThrow(SyntaxError);
  });
});

describe('SVG baking (OB 3.0 §5.3.2)', () => {
  const badgeSvg = generatedBadgeSvg({ name: '공공데이터 활용 스터디', issuerName: '도시재생지원센터', kind: 'study_group' });

  it('round-trips a credential whose text contains "]]>", and stays well-formed XML', () => {
    const baked = bakeSvg(badgeSvg, credential);
    expect(JSON.parse(unbakeSvg(baked) ?? '')).toEqual(credential);
    expect(baked).toContain(']]]]><![CDATA[>');
    expectWellFormedSvg(baked);
  });

  it('declares the namespace on the root and puts the element directly after its start tag', () => {
    const baked = bakeSvg(badgeSvg, credential);
    expect(baked).toMatch(/<svg [^>]*xmlns:openbadges="https:\/\/purl\.imsglobal\.org\/ob\/v3p0">\s*<openbadges:credential><!\[CDATA\[\{/);
    // everything else is untouched
    const withoutElement = baked.replace(/<openbadges:credential>[\s\S]*<\/openbadges:credential>/, '');
    expect(withoutElement).toBe(badgeSvg.replace(/(<svg [^>]*)>/, '$1 xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'));
  });

  it('bakes a VC-JOSE credential as a verify attribute', () => {
    const baked = bakeSvg(badgeSvg, jws);
    expect(baked).toContain(`<openbadges:credential verify="${jws}"></openbadges:credential>`);
    expect(unbakeSvg(baked)).toBe(jws);
    expectWellFormedSvg(baked);
  });

  it('leaves one element and one namespace declaration when baked twice', () => {
    const twice = bakeSvg(bakeSvg(badgeSvg, credential), jws);
    expect(twice.match(/<openbadges:credential/g)).toHaveLength(1);
    expect(twice.match(/xmlns:openbadges=/g)).toHaveLength(1);
    expect(unbakeSvg(twice)).toBe(jws);
    expectWellFormedSvg(twice);
  });

  it('handles a prolog, a self-closing root and single-quoted attributes', () => {
    const svg = `\uFEFF<?xml version="1.0"?>\n<!-- <svg> in a comment -->\n<!DOCTYPE svg [ <!ENTITY e "x"> ]>\n<svg xmlns='http://www.w3.org/2000/svg' data-note='a > b' viewBox="0 0 10 10"/>`;
    const baked = bakeSvg(svg, credential);
    expect(JSON.parse(unbakeSvg(baked) ?? '')).toEqual(credential);
    expect(baked).toMatch(/data-note='a > b' viewBox="0 0 10 10" xmlns:openbadges="[^"]+"><openbadges:credential>/);
    expect(baked.endsWith('</openbadges:credential></svg>')).toBe(true);
  });

  it('reads the spec example form (whitespace around the CDATA)', () => {
    const svg = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 512 512">
  <openbadges:credential>
    <![CDATA[
      { "id": "http://example.edu/credentials/3732", "name": "a &amp; b" }
    ]]>
  </openbadges:credential>
</svg>`;
    expect(JSON.parse(unbakeSvg(svg) ?? '')).toEqual({ id: 'http://example.edu/credentials/3732', name: 'a &amp; b' });
  });

  it('ignores look-alikes in comments and CDATA, and unbakes a plain SVG to undefined', () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg"><!-- <openbadges:credential verify="a.b.c"/> --><style><![CDATA[ <openbadges:credential verify="d.e.f"/> ]]></style></svg>`;
    expect(unbakeSvg(svg)).toBeUndefined();
    expect(unbakeSvg(badgeSvg)).toBeUndefined();
    expect(unbakeSvg(bakeSvg(svg, jws))).toBe(jws);
  });

  it('refuses what is not an SVG', () => {
    expect(() => bakeSvg('<html><svg/></html>', credential)).toThrow(InvalidInput);
    expect(() => bakeSvg('<svgfoo/>', credential)).toThrow(/not an SVG/);
    expect(() => unbakeSvg('<svg><openbadges:credential><![CDATA[ {} </svg>')).toThrow(/unterminated/);
  });
});

describe('generatedBadgeSvg', () => {
  const hostileName = '<script>alert("x")</script> & 백엔드';

  it('escapes every piece of text', () => {
    const svg = generatedBadgeSvg({ name: hostileName, issuerName: `"Evil" & 'Co' <b>`, kind: 'course', hours: 3 });
    expect(svg).not.toMatch(/<script|<\/script|<b>|"x"|'Co'/);
    expect(svg).toContain('<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 백엔드 — &quot;Evil&quot; &amp; &#39;Co&#39; &lt;b&gt;</title>');
    // every & starts an entity, and only the elements the generator draws appear
    expect(svg).not.toMatch(/&(?!(?:amp|lt|gt|quot|#39);)/);
    const elements = new Set(Array.from(svg.matchAll(/<([A-Za-z][\w:-]*)/g), (m) => m[1]));
    expect([...elements].sort()).toEqual(
      ['circle', 'defs', 'g', 'linearGradient', 'path', 'polygon', 'radialGradient', 'stop', 'svg', 'text', 'textPath', 'title', 'tspan'].sort(),
    );
    expectWellFormedSvg(svg);
  });

  it('drops characters XML cannot carry', () => {
    const svg = generatedBadgeSvg({ name: 'a\u0000b\u001bc\ud800', issuerName: 'x', kind: 'course' });
    expect(svg).toContain('<title>abc — x</title>');
    expectWellFormedSvg(svg);
  });

  it('wraps a long name over at most three lines and marks the cut with …', () => {
    const name = '코디네이터 직무교육 — 지역사회 협력과 사례관리 실무 심화 과정 (2026년 상반기) 그리고 아주 긴 부제목';
    const svg = generatedBadgeSvg({ name, issuerName: '평생교육원', kind: 'training_hours', hours: 60 });
    const lines = Array.from(svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g), (m) => m[1] ?? '');
    expect(lines).toHaveLength(3);
    expect(lines[2]?.endsWith('…')).toBe(true);
    expect(name.startsWith(lines.slice(0, 2).join(' '))).toBe(true);
  });

  it('keeps a short name on one line, whole', () => {
    const svg = generatedBadgeSvg({ name: 'AI 기초', issuerName: '평생교육원', kind: 'course' });
    expect(Array.from(svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g), (m) => m[1])).toEqual(['AI 기초']);
  });

  it.each([
    ['course', '수료', 'COMPLETION'],
    ['study_group', '스터디그룹', 'STUDY GROUP'],
    ['training_hours', '이수시간', 'TRAINING HOURS'],
  ] as const)('labels %s as %s (or %s in English)', (kind, korean, english) => {
    expect(generatedBadgeSvg({ name: 'x', issuerName: 'y', kind })).toContain(`>${korean}</textPath>`);
    expect(generatedBadgeSvg({ name: 'x', issuerName: 'y', kind, lang: 'en' })).toContain(`>${english}</textPath>`);
  });

  it('shows the hours when given', () => {
    expect(generatedBadgeSvg({ name: 'x', issuerName: 'y', kind: 'training_hours', hours: 1234.5 })).toContain('>1,234.5시간</text>');
    expect(generatedBadgeSvg({ name: 'x', issuerName: 'y', kind: 'course', hours: 1, lang: 'en' })).toContain('>1 hour</text>');
    expect(generatedBadgeSvg({ name: 'x', issuerName: 'y', kind: 'course' })).not.toContain('시간');
    expect(() => generatedBadgeSvg({ name: 'x', issuerName: 'y', kind: 'course', hours: -1 })).toThrow(RangeError);
  });
});

describe('renderPng', () => {
  it('renders a 600 px badge with Korean text, saved to /tmp/badge-sample.png for a look', async () => {
    const svg = generatedBadgeSvg({ name: '백엔드 개발자 입문과정', issuerName: '서울여성능력개발원', kind: 'course', hours: 450 });
    const png = await renderPng(svg);
    writeFileSync('/tmp/badge-sample.png', png);
    const decoded = PNG.sync.read(png);
    expect([decoded.width, decoded.height]).toEqual([600, 600]);
  });

  it('draws real Hangul glyphs (a CJK font is installed: Debian fonts-noto-cjk)', async () => {
    // Without a font, every syllable is the same box or nothing, so two words would look alike.
    const word = async (text: string) =>
      PNG.sync.read(
        await renderPng(
          `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><text x="10" y="45" font-size="40" font-family="'Noto Sans CJK KR', sans-serif">${text}</text></svg>`,
          { width: 200 },
        ),
      ).data;
    const [first, second] = await Promise.all([word('가나다'), word('라마바')]);
    expect(Buffer.compare(first, second), 'Hangul renders as identical boxes: install fonts-noto-cjk').not.toBe(0);
    expect(
      first.some((byte, i) => i % 4 === 3 && byte > 0),
      'no glyphs drawn: install fonts-noto-cjk',
    ).toBe(true);
  });
});
