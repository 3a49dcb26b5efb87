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
  'certificate.pdf': '증명서 PDF',
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
  'me.title': '내 배지',
  'me.lead': '배지를 받은 이메일 주소를 입력하면 로그인 링크를 보내 드립니다. 비밀번호는 필요 없습니다.',
  'me.email': '이메일 주소',
  'me.sendLink': '로그인 링크 받기',
  'me.linkSent.title': '메일함을 확인해 주세요',
  'me.linkSent.body':
    '이 주소로 받은 배지가 있다면 15분 동안 쓸 수 있는 로그인 링크를 보냈습니다. 몇 분 안에 오지 않으면 스팸함을 확인하거나 15분 뒤에 다시 요청해 주세요.',
  'me.confirm.title': '로그인',
  'me.confirm.body': '아래 버튼을 누르면 로그인됩니다. 이 링크는 한 번만 쓸 수 있습니다.',
  'me.confirm.button': '로그인하기',
  'me.linkInvalid.title': '이 로그인 링크는 더 이상 쓸 수 없습니다',
  'me.linkInvalid.body': '로그인 링크는 15분 동안 한 번만 쓸 수 있습니다. 아래에서 새 링크를 받아 주세요.',
  'me.signedInAs': '로그인한 주소',
  'me.noCredentials': '이 주소로 받은 배지가 아직 없습니다.',
  'me.hours': '기관별·연도별 교육 이수 시간',
  'me.hours.institution': '기관',
  'me.hours.year': '연도',
  'me.hours.total': '이수 시간',
  'me.noHours': '기관이 기록한 교육 시간이 없습니다.',
  'me.public': '공개',
  'me.private': '비공개',
  'me.makePrivate': '비공개로 바꾸기',
  'me.makePublic': '공개로 바꾸기',
  'me.pick': '모음에 넣기',
  'me.newCollection': '배지 모음 만들기',
  'me.newCollection.lead': '여러 배지를 링크 하나와 QR 코드 하나로 공유하세요. 위 목록에서 배지를 고르고 모음 이름을 붙이세요.',
  'me.collectionName': '모음 이름',
  'me.create': '모음 만들기',
  'me.collectionError': '모음 이름을 쓰고 배지를 하나 이상 골라 주세요.',
  'me.wallet': '지갑에 담기',
  'me.wallet.lead':
    '디지털 지갑 앱(OpenID4VCI)으로 이 QR 코드를 찍거나, 지갑이 있는 휴대폰에서 아래 단추를 누르세요. 이 코드는 한 번만 쓸 수 있으니 다른 사람에게 보여 주지 마세요.',
  'me.wallet.qrAlt': '지갑에 담기 QR 코드',
  'me.wallet.open': '지갑 앱에서 열기',
  'me.wallet.expires': '유효 기한',
  'me.walletUnavailable': '취소·정지된 배지나 지갑으로 옮긴 사본은 지갑에 담을 수 없습니다.',
  'me.back': '내 배지로 돌아가기',
  'me.collections': '내 배지 모음',
  'me.noCollections': '아직 만든 모음이 없습니다.',
  'me.withdraw': '공유 중단',
  'me.export': '모두 내려받기 (JSON-LD·JWT)',
  'me.signOut': '로그아웃',
  'me.delete': '로그인 정보 삭제',
  'me.delete.lead':
    '로그인 기록, 로그인 링크, 배지 모음을 모두 지웁니다. 모음 링크는 더 이상 열리지 않습니다. 배지는 발급기관의 기록이므로 그대로 남고, 비공개로 정한 배지는 비공개로 남습니다.',
  'me.privateNotice': '비공개 배지입니다. 로그인한 본인에게만 이 내용이 보입니다.',
  'private.title': '비공개 배지',
  'private.body':
    '배지 주인이 이 배지를 비공개로 설정했습니다. 배지 주인에게 자격증명 파일이나 JWT를 직접 받으셨다면 검증 페이지에 붙여넣어 확인할 수 있습니다.',
  'private.verifyLink': '비공개 배지의 링크입니다. 배지 주인에게 자격증명 파일이나 JWT를 받아 붙여넣어 주세요.',
  'collection.notFound.title': '배지 모음을 찾을 수 없습니다',
  'collection.notFound.body': '주소가 정확한지 확인해 주세요. 모음을 만든 사람이 공유를 중단했을 수도 있습니다.',
  'collection.lead': '학습자가 직접 고른 디지털 배지 모음입니다. 배지마다 지금 이 순간의 검증 결과를 보여 줍니다.',
  'collection.sharedBy': '공유한 사람',
  'collection.qr': '휴대폰 카메라로 스캔하면 이 모음이 열립니다',
  'collection.privateItem': '배지 주인이 이 모음에서만 보여 주는 비공개 배지입니다.',
  'collection.open': '배지 페이지',
  'qrAlt': '이 배지 페이지로 연결되는 QR 코드',
  'group': '스터디그룹',
  'topic': '주제',
  'attendance': '참여',
  'attended': '전체 {total}회 중 {attended}회 참여',
  'attendedOnly': '{attended}회 참여',
  'requiredHours': '이수 기준',
  'term': '연도·학기',
  'certificateNumber': '발급번호',
  'revokedAt': '취소일',
  'suspendedAt': '정지일',
  'kind.course': '과정 수료',
  'kind.study_group': '스터디그룹 참여',
  'kind.training_hours': '직무교육 이수시간',
  'home.title': '디지털 배지 발급·검증',
  'home.lead': '이음은 교육기관이 수료·참여·이수시간을 Open Badges 3.0 디지털 배지로 발급하고, 누구나 그 자리에서 진위를 확인하는 서비스입니다.',
  'home.learners': '학습자',
  'home.learners.body': '받은 배지의 링크를 이력서나 LinkedIn에 올리고, 증명서 PDF를 내려받고, 디지털 지갑에 담을 수 있습니다.',
  'home.employers': '채용 담당자',
  'home.employers.body': '이력서의 QR 코드나 링크를 열거나, 받은 배지 파일을 아래에 올리면 발급기관의 서명과 취소 여부를 바로 확인합니다.',
  'home.institutions': '교육기관',
  'home.institutions.body': '과정과 스터디그룹, 교육시간을 정의하고 한 명씩 또는 기수 전체에 배지를 발급하며, 잘못 발급한 배지는 취소할 수 있습니다.',
  'home.verify': '배지 검증하기',
  'home.verify.lead': '이 서비스에서 발급한 배지의 링크를 붙여넣거나, 배지 이미지나 자격증명 파일을 올려 주세요.',
  'home.hosts': '이 서비스의 발급기관',
  'home.noHosts': '아직 등록된 발급기관이 없습니다.',
  'home.me': '내 배지 보기',
  'issuer.achievements': '발급하는 배지',
  'issuer.noAchievements': '아직 정의한 배지가 없습니다.',
  'issuer.website': '웹사이트',
  'issuer.logoAlt': '{name} 로고',
  'issuer.notFound.title': '발급기관을 찾을 수 없습니다',
  'issuer.notFound.body': '주소가 정확한지 확인해 주세요.',
  'issuer.kind': '종류',
  'issuer.hours': '시간',
  'issuer.home': '모든 발급기관',
  'timeZone': '한국 시간',
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
  'certificate.pdf': 'Certificate (PDF)',
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
  'me.title': 'My badges',
  'me.lead': 'Enter the e-mail address your badges were sent to, and we will mail you a sign-in link. No password needed.',
  'me.email': 'E-mail address',
  'me.sendLink': 'Send me a sign-in link',
  'me.linkSent.title': 'Check your inbox',
  'me.linkSent.body':
    'If this address holds badges here, a sign-in link valid for 15 minutes is on its way. If nothing arrives within a few minutes, check your spam folder, or ask again in 15 minutes.',
  'me.confirm.title': 'Sign in',
  'me.confirm.body': 'Press the button below to sign in. This link works once.',
  'me.confirm.button': 'Sign in',
  'me.linkInvalid.title': 'This sign-in link no longer works',
  'me.linkInvalid.body': 'A sign-in link works once, within 15 minutes. Ask for a new one below.',
  'me.signedInAs': 'Signed in as',
  'me.noCredentials': 'No badges have been issued to this address yet.',
  'me.hours': 'Training hours by institution and year',
  'me.hours.institution': 'Institution',
  'me.hours.year': 'Year',
  'me.hours.total': 'Hours',
  'me.noHours': 'No training hours have been recorded for you.',
  'me.public': 'Public',
  'me.private': 'Private',
  'me.makePrivate': 'Make private',
  'me.makePublic': 'Make public',
  'me.pick': 'Add to collection',
  'me.newCollection': 'Make a collection',
  'me.newCollection.lead': 'Share several badges under one link and one QR code: pick badges in the list above and name the collection.',
  'me.collectionName': 'Collection name',
  'me.create': 'Make collection',
  'me.collectionError': 'Name the collection and pick at least one badge.',
  'me.wallet': 'Add to wallet',
  'me.wallet.lead':
    'Scan this QR code with a digital wallet app (OpenID4VCI), or press the button below on the phone that has the wallet. The code works once: do not show it to anyone else.',
  'me.wallet.qrAlt': 'QR code to add the credential to a wallet',
  'me.wallet.open': 'Open in the wallet app',
  'me.wallet.expires': 'Valid until',
  'me.walletUnavailable': 'A revoked or suspended credential, or a wallet copy, cannot be added to a wallet.',
  'me.back': 'Back to my credentials',
  'me.collections': 'My collections',
  'me.noCollections': 'You have made no collections yet.',
  'me.withdraw': 'Withdraw',
  'me.export': 'Download everything (JSON-LD and JWT)',
  'me.signOut': 'Sign out',
  'me.delete': 'Delete my sign-in data',
  'me.delete.lead':
    "Deletes your sessions, sign-in links and collections; their links stop working. Your badges are the institutions' records and stay, and those you made private stay private.",
  'me.privateNotice': 'This badge is private: only you, signed in, see this.',
  'private.title': 'Private badge',
  'private.body': 'Its owner has made this badge private. If the owner gave you the credential file or JWT, you can still check it on the verify page.',
  'private.verifyLink': 'This is the link of a private badge. Ask its owner for the credential file or JWT, and paste that here.',
  'collection.notFound.title': 'Collection not found',
  'collection.notFound.body': 'Please check the address. Whoever made the collection may have withdrawn it.',
  'collection.lead': 'Digital badges chosen by their learner. Each is verified live, as you look.',
  'collection.sharedBy': 'Shared by',
  'collection.qr': 'Scan with a phone camera to open this collection',
  'collection.privateItem': 'A private badge its owner shows in this collection only.',
  'collection.open': 'Badge page',
  'qrAlt': "QR code linking to this badge's page",
  'group': 'Study group',
  'topic': 'Topic',
  'attendance': 'Attendance',
  'attended': '{attended} of {total} sessions',
  'attendedOnly': '{attended} sessions',
  'requiredHours': 'Hours required',
  'term': 'Term',
  'certificateNumber': 'Certificate no.',
  'revokedAt': 'Revoked on',
  'suspendedAt': 'Suspended on',
  'kind.course': 'Course completion',
  'kind.study_group': 'Study-group participation',
  'kind.training_hours': 'Job-training hours',
  'home.title': 'Digital badges, issued and verified',
  'home.lead':
    'Ieum lets training institutions issue course completions, study-group participation and training hours as Open Badges 3.0 digital badges, which anyone can check on the spot.',
  'home.learners': 'Learners',
  'home.learners.body': 'Put the link of your badge on a résumé or LinkedIn, download its certificate (PDF), or add it to a digital wallet.',
  'home.employers': 'Employers',
  'home.employers.body':
    "Open the QR code or link on a résumé, or upload the badge file below: the issuer's signature and whether it was revoked are checked at once.",
  'home.institutions': 'Institutions',
  'home.institutions.body': 'Define courses, study groups and training hours, issue badges one by one or to a whole cohort, and revoke one issued by mistake.',
  'home.verify': 'Verify a badge',
  'home.verify.lead': 'Paste the link of a badge issued here, or upload a badge image or credential file.',
  'home.hosts': 'Institutions on this service',
  'home.noHosts': 'No institution is registered yet.',
  'home.me': 'My badges',
  'issuer.achievements': 'Badges it issues',
  'issuer.noAchievements': 'No badges defined yet.',
  'issuer.website': 'Website',
  'issuer.logoAlt': '{name} logo',
  'issuer.notFound.title': 'Institution not found',
  'issuer.notFound.body': 'Please check the address.',
  'issuer.kind': 'Kind',
  'issuer.hours': 'Hours',
  'issuer.home': 'All institutions',
  'timeZone': 'KST',
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

/** Day and time in Seoul, said as such (the pages never show a time without its zone). */
const MOMENT_OPTIONS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'Asia/Seoul',
};
const MOMENT_FORMATS: Record<Lang, Intl.DateTimeFormat> = {
  ko: new Intl.DateTimeFormat('ko-KR', MOMENT_OPTIONS),
  en: new Intl.DateTimeFormat('en-GB', MOMENT_OPTIONS),
};
const UTC_DATE_FORMATS: Record<Lang, Intl.DateTimeFormat> = {
  ko: new Intl.DateTimeFormat('ko-KR', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }),
};

/** A moment (issued, valid until, revoked) as its day and time in Seoul with the zone named: "2026년 3월 1일 09:00 (한국 시간)", "1 March 2026, 09:00 KST". */
export function formatMoment(value: string | Date | null | undefined, lang: Lang): string {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const text = MOMENT_FORMATS[lang].format(date);
  return lang === 'ko' ? `${text} (${messages(lang).timeZone})` : `${text} ${messages(lang).timeZone}`;
}

/**
 * A day (an activity's start or end): a date given alone, which credential.document.ts stores as
 * midnight UTC, is that day wherever the reader is; any other moment is its day in Seoul.
 */
export function formatDay(value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return /^\d{4}-\d{2}-\d{2}(T00:00:00(\.0+)?Z)?$/.test(value) ? UTC_DATE_FORMATS[lang].format(date) : DATE_FORMATS[lang].format(date);
}

/** A message with {name} slots filled. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
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
