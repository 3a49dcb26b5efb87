/** Page wording in Korean (first) and English. Check codes come from the verifier. */
import type { CheckCode } from '../verify/verdict.js';

export type Lang = 'ko' | 'en';

export function pickLanguage(query: unknown, acceptLanguage: string | undefined): Lang {
  const asked = typeof query === 'string' ? query.toLowerCase() : undefined;
  if (asked === 'en' || asked === 'ko') return asked;
  // Korean unless the browser prefers English over Korean.
  const prefs = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, q] = part.trim().split(';q=');
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  const first = prefs.find((p) => p.tag.startsWith('ko') || p.tag.startsWith('en'));
  return first?.tag.startsWith('en') ? 'en' : 'ko';
}

const ko = {
  'state.verified': '검증됨',
  'state.revoked': '취소됨',
  'state.suspended': '정지됨',
  'state.expired': '만료됨',
  'state.not-yet-valid': '아직 유효하지 않음',
  'state.invalid': '위조되었거나 손상됨',
  'state.undetermined': '상태 확인 불가',
  'state.unrecognized-issuer': '발급기관 미확인',
  'state.verified.lead': '이 디지털 배지는 발급기관이 서명한 진본이며 현재 유효합니다.',
  'state.revoked.lead': '발급기관이 이 배지를 취소했습니다.',
  'state.suspended.lead': '발급기관이 이 배지의 효력을 일시 정지했습니다.',
  'state.expired.lead': '이 배지는 유효기간이 지났습니다.',
  'state.not-yet-valid.lead': '이 배지는 아직 유효기간이 시작되지 않았습니다.',
  'state.invalid.lead': '서명이 내용과 맞지 않습니다. 내용이 바뀌었거나 위조된 배지입니다.',
  'state.undetermined.lead': '서명은 유효하지만 취소 여부를 확인할 수 없습니다.',
  'state.unrecognized-issuer.lead': '서명은 유효하지만, 이 서비스가 알지 못하는 발급기관이 서명했습니다. 적힌 기관 이름을 그대로 믿지 마세요.',
  'unrecognized': '서명은 유효하지만 등록되지 않은 발급기관입니다',
  'reason': '사유',
  'achievement': '배지',
  'issuer': '발급기관',
  'learner': '학습자',
  'issued': '발급일',
  'validUntil': '유효기간',
  'noEnd': '기한 없음',
  'hours': '이수 시간',
  'hoursUnit': '시간',
  'role': '역할',
  'period': '활동 기간',
  'criteria': '취득 기준',
  'evidence': '증빙',
  'checks': '검증 항목',
  'check.proof': '서명',
  'check.status': '취소·정지 여부',
  'check.validity': '유효기간',
  'check.schema': 'Open Badges 3.0 형식',
  'check.issuer': '발급기관 확인',
  'check.nested': '포함된 자격증명',
  'ok.true': '통과',
  'ok.false': '실패',
  'ok.null': '확인 불가',
  'share': '공유하기',
  'copyLink': '링크 복사',
  'copied': '복사했습니다',
  'linkedin': 'LinkedIn 프로필에 추가',
  'downloads': '내려받기',
  'download.json': '자격증명 (JSON-LD)',
  'download.jwt': '자격증명 (JWT)',
  'download.png': '배지 이미지 (PNG, 자격증명 포함)',
  'download.svg': '배지 이미지 (SVG, 자격증명 포함)',
  'print': '인쇄용 증명서',
  'qr': '휴대폰 카메라로 스캔하면 이 페이지가 열립니다',
  'verifyOther': '다른 배지 검증하기',
  'notFound.title': '배지를 찾을 수 없습니다',
  'notFound.body': '주소가 정확한지 확인해 주세요. 발급기관이 알려 준 링크나 QR 코드를 다시 열어 보세요.',
  'verify.title': '디지털 배지 검증',
  'verify.lead': '배지 링크, 자격증명 JSON 또는 JWT를 붙여넣거나, 배지 이미지(PNG·SVG)나 파일을 올려 주세요.',
  'verify.text': '링크, JSON 또는 JWT',
  'verify.file': '파일 (PNG, SVG, JSON, JWT)',
  'verify.submit': '검증하기',
  'verify.empty': '검증할 내용을 붙여넣거나 파일을 선택해 주세요.',
  'verify.formTooLarge': '한 번에 파일 하나(2MB 이하)와 붙여넣은 내용만 보낼 수 있습니다.',
  'verify.notCredential': '자격증명으로 읽을 수 없습니다',
  'verify.foreignLink': '이 서비스에서 발급한 배지의 링크만 바로 확인할 수 있습니다. 다른 기관의 배지는 자격증명 파일이나 JWT를 붙여넣어 주세요.',
  'certificate': '이수 증명서',
  'certifies': '위 사람은 다음 과정을 이수하였음을 증명합니다.',
  'langSwitch': 'English',
  'siteName': '이음 디지털 배지',
} as const;

export type MessageKey = keyof typeof ko;

const en: Record<MessageKey, string> = {
  'state.verified': 'Verified',
  'state.revoked': 'Revoked',
  'state.suspended': 'Suspended',
  'state.expired': 'Expired',
  'state.not-yet-valid': 'Not yet valid',
  'state.invalid': 'Forged or damaged',
  'state.undetermined': 'Status unknown',
  'state.unrecognized-issuer': 'Issuer not recognised',
  'state.verified.lead': 'This digital badge was signed by its issuer and is valid now.',
  'state.revoked.lead': 'The issuer has revoked this badge.',
  'state.suspended.lead': 'The issuer has suspended this badge for now.',
  'state.expired.lead': 'This badge is past its end date.',
  'state.not-yet-valid.lead': 'This badge is not valid yet.',
  'state.invalid.lead': 'The signature does not match the content: it was changed or forged.',
  'state.undetermined.lead': 'The signature is valid, but whether it was revoked cannot be determined.',
  'state.unrecognized-issuer.lead': 'The signature is valid, but it was made by an issuer this service does not know: do not trust the name it gives.',
  'unrecognized': 'The signature is valid, but the issuer is not registered here',
  'reason': 'Reason',
  'achievement': 'Achievement',
  'issuer': 'Issuer',
  'learner': 'Learner',
  'issued': 'Issued',
  'validUntil': 'Valid until',
  'noEnd': 'No end date',
  'hours': 'Hours',
  'hoursUnit': 'hours',
  'role': 'Role',
  'period': 'Activity period',
  'criteria': 'Criteria',
  'evidence': 'Evidence',
  'checks': 'Checks',
  'check.proof': 'Signature',
  'check.status': 'Revocation and suspension',
  'check.validity': 'Validity period',
  'check.schema': 'Open Badges 3.0 format',
  'check.issuer': 'Issuer recognised',
  'check.nested': 'Credentials inside',
  'ok.true': 'passed',
  'ok.false': 'failed',
  'ok.null': 'could not determine',
  'share': 'Share',
  'copyLink': 'Copy link',
  'copied': 'Copied',
  'linkedin': 'Add to LinkedIn profile',
  'downloads': 'Downloads',
  'download.json': 'Credential (JSON-LD)',
  'download.jwt': 'Credential (JWT)',
  'download.png': 'Badge image (PNG, credential baked in)',
  'download.svg': 'Badge image (SVG, credential baked in)',
  'print': 'Printable certificate',
  'qr': 'Scan with a phone camera to open this page',
  'verifyOther': 'Verify another badge',
  'notFound.title': 'Badge not found',
  'notFound.body': 'Please check the address, or open the link or QR code from the issuer again.',
  'verify.title': 'Verify a digital badge',
  'verify.lead': 'Paste a badge link, a credential JSON or a JWT, or upload a badge image (PNG, SVG) or file.',
  'verify.text': 'Link, JSON or JWT',
  'verify.file': 'File (PNG, SVG, JSON, JWT)',
  'verify.submit': 'Verify',
  'verify.empty': 'Paste something to verify or choose a file.',
  'verify.formTooLarge': 'Send one file (2 MB at most) and the pasted text, nothing more.',
  'verify.notCredential': 'This cannot be read as a credential',
  'verify.foreignLink': 'Only links to badges issued by this service can be checked by link. For other badges, paste the credential file or JWT.',
  'certificate': 'Certificate of completion',
  'certifies': 'This certifies that the person named has completed',
  'langSwitch': '한국어',
  'siteName': 'Ieum digital badges',
};

export function messages(lang: Lang): Record<MessageKey, string> {
  return lang === 'en' ? en : ko;
}

/** Made once per language: an Intl.DateTimeFormat costs far more to build than to use. */
const DATE_FORMATS: Record<Lang, Intl.DateTimeFormat> = {
  ko: new Intl.DateTimeFormat('ko-KR', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'Asia/Seoul' }),
  en: new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'Asia/Seoul' }),
};

export function formatDate(value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return DATE_FORMATS[lang].format(date);
}

/**
 * Korean sentences for the verifier's check codes, one for every code (a code without one does not
 * compile); English pages show the verifier's own detail.
 */
export const CHECK_TEXTS_KO: Record<CheckCode, string> = {
  'signature-valid': '발급기관의 키로 만든 서명이 내용과 일치합니다.',
  'signature-invalid': '서명이 내용과 일치하지 않습니다.',
  'unknown-key': '서명에 쓰인 키를 이 서비스가 알지 못합니다.',
  'key-not-issuers': '서명에 쓰인 키가 발급기관의 것이 아닙니다.',
  'jwt-claims-mismatch': 'JWT의 발급자(iss) 또는 식별자(jti)가 자격증명의 내용과 다릅니다.',
  'unknown-context': '이 서비스가 알지 못하는 형식(JSON-LD 컨텍스트)을 씁니다.',
  'no-proof': '서명이 없습니다.',
  'unsupported-proof': '지원하지 않는 서명 방식입니다.',
  'revoked': '발급기관이 취소했습니다.',
  'suspended': '발급기관이 일시 정지했습니다.',
  'active': '취소되거나 정지되지 않았습니다.',
  'no-status': '취소되거나 정지되지 않았습니다.',
  'status-unknown': '취소 여부를 확인할 수 없습니다 (알 수 없는 상태 목록).',
  'status-unsupported': '지원하지 않는 상태 목록 형식입니다.',
  'status-invalid': '상태 정보가 올바르지 않습니다.',
  'in-period': '유효기간 안에 있습니다.',
  'expired': '유효기간이 지났습니다.',
  'not-yet-valid': '아직 유효기간이 시작되지 않았습니다.',
  'dates-invalid': '날짜 형식이 올바르지 않습니다.',
  'schema-valid': '공식 Open Badges 3.0 스키마에 맞습니다.',
  'schema-invalid': '공식 Open Badges 3.0 스키마에 맞지 않습니다.',
  'schema-none': 'Open Badge가 아니어서 해당 스키마가 없습니다.',
  'issuer-known': '이 서비스에 등록된 발급기관입니다.',
  'issuer-unknown': '등록되지 않은 발급기관입니다. 서명만으로는 누구인지 알 수 없습니다.',
  'nested-valid': '이 기록에 포함된 자격증명이 모두 검증되었습니다.',
  'nested-failed': '이 기록에 포함된 자격증명 중 검증되지 않는 것이 있습니다.',
  'nested-not-credential': '이 기록에 자격증명이 아닌 것이 포함되어 있습니다.',
  'holder-invalid': '제출자(holder)는 URL이거나 URL을 id로 가진 객체여야 합니다.',
  'no-challenge': '재사용을 막는 챌린지(challenge) 값이 없습니다.',
};

export function checkText(lang: Lang, code: CheckCode, detail: string): string {
  return lang === 'ko' ? CHECK_TEXTS_KO[code] : detail;
}
