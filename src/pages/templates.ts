/**
 * The public pages: a credential's page (and its print view), the verify page, the 404 page.
 * Server-rendered, no inline script or style (a strict CSP allows only same-origin files).
 */
import type { Json } from '../ids.js';
import { readStudyGroup, securedByJwtAlone } from '../credentials/credential.document.js';
import type { AchievementKind } from '../db/types.js';
import type { Verdict } from '../verify/verdict.js';
import { html, safeHref, type SafeHtml } from './html.js';
import { checkText, fill, formatDay, formatMoment, messages, type Lang } from './i18n.js';

export const STATE_CLASS: Record<Verdict['state'], string> = {
  'verified': 'ok',
  'revoked': 'bad',
  'suspended': 'warn',
  'expired': 'muted',
  'not-yet-valid': 'muted',
  'invalid': 'bad',
  'undetermined': 'warn',
  'unrecognized-issuer': 'warn',
};

export interface PageMeta {
  title: string;
  description: string;
  url?: string;
  image?: string;
  /** The image's size in pixels (og:image:width and og:image:height). */
  imageSize?: { width: number; height: number };
}

const OG_LOCALE: Record<Lang, string> = { ko: 'ko_KR', en: 'en_US' };

export function layout(lang: Lang, meta: PageMeta, body: SafeHtml, options: { langSwitchHref?: string; bodyClass?: string } = {}): string {
  const t = messages(lang);
  return (
    '<!doctype html>\n' +
    html`<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${meta.title} · ${t.siteName}</title>
<meta name="description" content="${meta.description}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="${t.siteName}">
<meta property="og:title" content="${meta.title}">
<meta property="og:description" content="${meta.description}">
${meta.url ? html`<meta property="og:url" content="${meta.url}">` : ''}
<meta property="og:locale" content="${OG_LOCALE[lang]}">
<meta property="og:locale:alternate" content="${OG_LOCALE[lang === 'ko' ? 'en' : 'ko']}">
${meta.image ? html`<meta property="og:image" content="${meta.image}"><meta name="twitter:image" content="${meta.image}">` : ''}
${meta.image && meta.imageSize ? html`<meta property="og:image:width" content="${meta.imageSize.width}"><meta property="og:image:height" content="${meta.imageSize.height}">` : ''}
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${meta.title}">
<meta name="twitter:description" content="${meta.description}">
<link rel="stylesheet" href="/assets/ieum.css">
<script src="/assets/ieum.js" defer></script>
</head>
<body class="${options.bodyClass ?? ''}">
<header class="top"><a class="brand" href="/?lang=${lang}">${t.siteName}</a>${options.langSwitchHref ? html`<a class="lang" href="${options.langSwitchHref}" hreflang="${lang === 'ko' ? 'en' : 'ko'}">${t.langSwitch}</a>` : ''}</header>
<main>
${body}
</main>
</body>
</html>
`.value
  );
}

export function verdictBanner(lang: Lang, verdict: Verdict): SafeHtml {
  const t = messages(lang);
  const reasonCheck = verdict.checks.find((c) => c.ok === false);
  const reason = verdict.state === 'revoked' || verdict.state === 'suspended' ? verdict.statusReason : undefined;
  return html`<section class="verdict ${STATE_CLASS[verdict.state]}" data-state="${verdict.state}" aria-live="polite">
  <p class="verdict-word" id="verdict">${t[`state.${verdict.state}`]}</p>
  <p class="verdict-lead">${t[`state.${verdict.state}.lead`]}</p>
  ${reason ? html`<p class="verdict-reason">${t.reason}: ${reason}</p>` : verdict.state !== 'verified' && reasonCheck ? html`<p class="verdict-reason">${checkText(lang, reasonCheck.code, reasonCheck.detail)}</p>` : ''}
  ${verdict.credential.issuer.recognized ? '' : html`<p class="verdict-warning" id="unrecognized">${t.unrecognized}</p>`}
</section>`;
}

export function checkList(lang: Lang, verdict: Verdict): SafeHtml {
  const t = messages(lang);
  return html`<section class="checks"><h2>${t.checks}</h2><ul>
${verdict.checks.map(
  (c) => html`<li class="check ${c.ok === true ? 'ok' : c.ok === false ? 'bad' : 'warn'}" data-check="${c.check}">
  <span class="check-name">${t[`check.${c.check}`]}</span> <span class="check-result">${t[`ok.${String(c.ok) as 'true' | 'false' | 'null'}`]}</span>
  <span class="check-detail">${checkText(lang, c.code, c.detail)}</span></li>`,
)}
</ul></section>`;
}

export interface CredentialPageInput {
  lang: Lang;
  id: string;
  url: string;
  credential: Json;
  verdict: Verdict;
  langSwitchHref: string;
  /** Shown above the verdict: to her own session, that the credential is private. */
  notice?: string;
  /** To her own session only: the form that makes a wallet offer (a bearer secret, never on a public page). */
  walletAction?: string;
  /** The achievement's kind (a training-hours credential shows its threshold). */
  kind?: AchievementKind;
  /** What the page shows beside the signed document (certificates.pageDetails). */
  details?: CredentialPageDetails;
  /** The size of the badge PNG (og:image:width/height). */
  badgeSize?: { width: number; height: number };
}

/** Beside the signed document: the certificate number if one was taken, English names, the status dates. */
export interface CredentialPageDetails {
  number?: { text: { ko: string; en: string } } | undefined;
  english?: { achievementName: string | null; achievementDescription: string | null; institutionName: string | null };
  revoked?: { at: Date; reason: string | null } | undefined;
  suspended?: { at: Date; reason: string | null } | undefined;
}

/** The names a page shows: English ones on English pages where the institution gave them, else as signed. */
function namesOf(input: CredentialPageInput): { achievement: string; description: string | undefined; institution: string } {
  const subject = subjectOf(input.credential);
  const achievement: Json = subject.achievement ?? {};
  const english = input.lang === 'en' ? input.details?.english : undefined;
  return {
    achievement: String(english?.achievementName ?? achievement.name ?? input.credential.name ?? ''),
    description: english?.achievementDescription ?? achievement.description ?? undefined,
    institution: String(english?.institutionName ?? input.credential.issuer?.name ?? ''),
  };
}

/** A CLR (the learner's record) has no printable certificate of its own. */
const isClr = (credential: Json) => ([] as unknown[]).concat(credential.type ?? []).includes('ClrCredential');

function subjectOf(credential: Json): Json {
  return ([] as Json[]).concat(credential.credentialSubject ?? [])[0] ?? {};
}

function linkedInHref(input: CredentialPageInput): string {
  const { credential } = input;
  const issued = new Date(credential.validFrom);
  const params = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: namesOf(input).achievement,
    organizationName: namesOf(input).institution,
    issueYear: String(issued.getUTCFullYear()),
    issueMonth: String(issued.getUTCMonth() + 1),
    certUrl: input.url,
    certId: input.id,
  });
  if (credential.validUntil) {
    const until = new Date(credential.validUntil);
    params.set('expirationYear', String(until.getUTCFullYear()));
    params.set('expirationMonth', String(until.getUTCMonth() + 1));
  }
  return `https://www.linkedin.com/profile/add?${params.toString()}`;
}

function facts(input: CredentialPageInput): SafeHtml {
  const t = messages(input.lang);
  const { credential, lang } = input;
  const subject = subjectOf(credential);
  const achievement: Json = subject.achievement ?? {};
  const names = namesOf(input);
  const hoursAward = input.kind === 'training_hours';
  const hours = hoursAward ? subject.creditsEarned : (subject.creditsEarned ?? achievement.creditsAvailable);
  // A training_hours achievement's creditsAvailable is its threshold (achievement.service.ts).
  const threshold = hoursAward ? achievement.creditsAvailable : undefined;
  const group = readStudyGroup(subject);
  const attended =
    group?.attended !== undefined
      ? group.total !== undefined
        ? fill(t.attended, { attended: group.attended, total: group.total })
        : fill(t.attendedOnly, { attended: group.attended })
      : undefined;
  const period =
    subject.activityStartDate || subject.activityEndDate
      ? `${formatDay(subject.activityStartDate, lang)} – ${formatDay(subject.activityEndDate, lang)}`
      : undefined;
  const withdrawn = input.details?.revoked
    ? ([t.revokedAt, input.details.revoked] as const)
    : input.details?.suspended
      ? ([t.suspendedAt, input.details.suspended] as const)
      : undefined;
  const rows: [string, unknown, string?][] = [
    [t.learner, subject.name],
    [t.achievement, names.achievement],
    [t.issuer, names.institution],
    [t.certificateNumber, input.details?.number?.text[lang], 'certificate-number'],
    [t.group, group?.name, 'study-group'],
    [t.topic, group?.topic, 'study-group-topic'],
    [t.role, subject.role],
    [t.attendance, attended, 'attendance'],
    [t.term, subject.term],
    [t.hours, typeof hours === 'number' ? `${hours} ${t.hoursUnit}` : undefined, 'hours'],
    [t.requiredHours, typeof threshold === 'number' ? `${threshold} ${t.hoursUnit}` : undefined, 'required-hours'],
    [t.period, period],
    [t.issued, formatMoment(credential.validFrom, lang)],
    [t.validUntil, credential.validUntil ? formatMoment(credential.validUntil, lang) : t.noEnd],
    [withdrawn?.[0] ?? '', withdrawn ? formatMoment(withdrawn[1].at, lang) : undefined, 'withdrawn-at'],
    [t.reason, withdrawn?.[1].reason ?? undefined, 'withdrawn-reason'],
  ];
  return html`<dl class="facts">${rows
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v, id]) => (id ? html`<div id="${id}"><dt>${k}</dt><dd>${v}</dd></div>` : html`<div><dt>${k}</dt><dd>${v}</dd></div>`))}</dl>`;
}

export function credentialPage(input: CredentialPageInput): string {
  const t = messages(input.lang);
  const { credential, verdict, id } = input;
  const subject = subjectOf(credential);
  const achievement: Json = subject.achievement ?? {};
  const evidence = ([] as Json[]).concat(credential.evidence ?? []);
  const names = namesOf(input);
  const base = `/c/${id}`;
  // Revoked or suspended: nothing that would show it off (LinkedIn, the print view, the badge); the
  // PDF stays, since it carries the stamp that says so.
  const withdrawn = verdict.state === 'revoked' || verdict.state === 'suspended';
  const body = html`
${input.notice ? html`<p class="notice" id="private-notice">${input.notice}</p>` : ''}
${verdictBanner(input.lang, verdict)}
<article class="credential">
  <div class="badge-art"><img src="${base}/badge.svg" alt="${names.achievement}" width="200" height="200"></div>
  <h1 id="achievement-name">${names.achievement}</h1>
  ${names.description ? html`<p class="description">${names.description}</p>` : ''}
  ${facts(input)}
  ${achievement.criteria?.narrative ? html`<section><h2>${t.criteria}</h2><p class="narrative">${achievement.criteria.narrative}</p></section>` : ''}
  ${evidence.length > 0 ? html`<section><h2>${t.evidence}</h2><ul class="evidence">${evidence.map((e) => html`<li>${e.id ? html`<a href="${safeHref(e.id)}" rel="nofollow noopener" target="_blank">${e.name ?? e.id}</a>` : html`<span>${e.name ?? ''}</span>`}${e.narrative ? html` — ${e.narrative}` : ''}</li>`)}</ul></section>` : ''}
</article>
${checkList(input.lang, verdict)}
<section class="share">
  <h2>${t.share}</h2>
  <figure class="qr"><img id="qr" src="${base}/qr.svg" alt="${t.qrAlt}" width="220" height="220"><figcaption>${t.qr}</figcaption></figure>
  <p class="share-url"><input id="share-url" readonly value="${input.url}" aria-label="URL"> <button type="button" class="copy" data-copy="#share-url" data-done="${t.copied}">${t.copyLink}</button></p>
  <p>${withdrawn ? '' : html`<a class="button linkedin" href="${linkedInHref(input)}" rel="noopener" target="_blank">${t.linkedin}</a> <a class="button" href="${base}?view=print&amp;lang=${input.lang}">${t.print}</a> `}${isClr(credential) ? '' : html`<a class="button" id="certificate-pdf" href="${base}/certificate.pdf?lang=${input.lang}">${t['certificate.pdf']}</a>`}</p>
  ${input.walletAction ? html`<form method="post" action="${input.walletAction}" class="inline"><button type="submit" class="button wallet" id="add-to-wallet">${t['me.wallet']}</button></form>` : ''}
  <h2>${t.downloads}</h2>
  <ul class="downloads">
    ${securedByJwtAlone(credential) ? '' : html`<li><a href="${base}/credential.json" download>${t['download.json']}</a></li>`}
    <li><a href="${base}/credential.jwt" download>${t['download.jwt']}</a></li>
    ${
      withdrawn
        ? ''
        : html`<li><a href="${base}/badge.png" download>${t['download.png']}</a></li>
    <li><a href="${base}/badge.svg" download>${t['download.svg']}</a></li>`
    }
  </ul>
</section>
<p class="footer-link"><a href="/verify?lang=${input.lang}">${t.verifyOther}</a></p>`;
  const title = `${names.achievement} — ${subject.name ?? ''}`;
  const description = `${names.institution} · ${t[`state.${verdict.state}`]}`;
  return layout(
    input.lang,
    { title, description, url: input.url, image: `${input.url}/badge.png`, ...(input.badgeSize ? { imageSize: input.badgeSize } : {}) },
    body,
    { langSwitchHref: input.langSwitchHref },
  );
}

/** A certificate layout for printing, with the QR code that leads back to the live page. */
export function printPage(input: CredentialPageInput): string {
  const t = messages(input.lang);
  const { credential, verdict, id } = input;
  const subject = subjectOf(credential);
  const achievement: Json = subject.achievement ?? {};
  const hours = subject.creditsEarned ?? achievement.creditsAvailable;
  const body = html`<article class="certificate" data-state="${verdict.state}">
  <p class="cert-kind">${t.certificate}</p>
  <p class="cert-name">${subject.name ?? ''}</p>
  <p class="cert-text">${t.certifies}</p>
  <h1 class="cert-achievement">${namesOf(input).achievement}</h1>
  ${hours !== undefined ? html`<p class="cert-hours">${hours} ${t.hoursUnit}</p>` : ''}
  <p class="cert-issuer">${namesOf(input).institution} · ${formatMoment(credential.validFrom, input.lang)}</p>
  <figure class="cert-qr"><img src="/c/${id}/qr.svg" alt="${t.qrAlt}" width="160" height="160"><figcaption>${input.url}</figcaption></figure>
  <p class="cert-state">${t[`state.${verdict.state}`]}</p>
  ${isClr(credential) ? '' : html`<p class="cert-pdf"><a href="/c/${id}/certificate.pdf?lang=${input.lang}">${t['certificate.pdf']}</a></p>`}
</article>`;
  return layout(input.lang, { title: `${t.certificate} — ${subject.name ?? ''}`, description: String(achievement.name ?? '') }, body, { bodyClass: 'print' });
}

export function notFoundPage(lang: Lang): string {
  const t = messages(lang);
  return layout(
    lang,
    { title: t['notFound.title'], description: t['notFound.body'] },
    html`<section class="verdict muted"><p class="verdict-word">${t['notFound.title']}</p><p class="verdict-lead">${t['notFound.body']}</p></section><p class="footer-link"><a href="/verify?lang=${lang}">${t.verifyOther}</a></p>`,
  );
}

/**
 * A private credential's page, for anyone but her own session: that it is private, and nothing else
 * (no name, no achievement, no institution).
 */
export function privatePage(lang: Lang, langSwitchHref?: string): string {
  const t = messages(lang);
  return layout(
    lang,
    { title: t['private.title'], description: t['private.body'] },
    html`<section class="verdict muted" data-state="private"><p class="verdict-word" id="private">${t['private.title']}</p><p class="verdict-lead">${t['private.body']}</p></section><p class="footer-link"><a href="/verify?lang=${lang}">${t.verifyOther}</a></p>`,
    langSwitchHref ? { langSwitchHref } : {},
  );
}

export interface VerifyPageInput {
  lang: Lang;
  text?: string;
  error?: string;
  verdict?: Verdict;
  credentialUrl?: string | null;
  /** English names the institution gave, for one of our own credentials on an English page. */
  english?: { achievementName: string | null; institutionName: string | null } | undefined;
}

export function verifyPage(input: VerifyPageInput): string {
  const t = messages(input.lang);
  const v = input.verdict;
  const result = v
    ? html`${verdictBanner(input.lang, v)}
<article class="credential"><dl class="facts">
  ${v.credential.recipient.name ? html`<div><dt>${t.learner}</dt><dd>${v.credential.recipient.name}</dd></div>` : ''}
  ${v.credential.achievement?.name ? html`<div><dt>${t.achievement}</dt><dd>${input.english?.achievementName ?? v.credential.achievement.name}</dd></div>` : ''}
  ${v.credential.issuer.name ? html`<div><dt>${t.issuer}</dt><dd>${input.english?.institutionName ?? v.credential.issuer.name}</dd></div>` : ''}
  ${v.credential.validFrom ? html`<div><dt>${t.issued}</dt><dd>${formatMoment(v.credential.validFrom, input.lang)}</dd></div>` : ''}
  <div><dt>${t.validUntil}</dt><dd>${v.credential.validUntil ? formatMoment(v.credential.validUntil, input.lang) : t.noEnd}</dd></div>
</dl>${input.credentialUrl ? html`<p><a href="${input.credentialUrl}">${input.credentialUrl}</a></p>` : ''}</article>
${checkList(input.lang, v)}`
    : '';
  const body = html`<h1>${t['verify.title']}</h1>
<p class="lead">${t['verify.lead']}</p>
${input.error ? html`<p class="error" role="alert" id="verify-error">${input.error}</p>` : ''}
${result}
${verifyForm(input.lang, input.text)}`;
  return layout(input.lang, { title: t['verify.title'], description: t['verify.lead'] }, body, {
    langSwitchHref: `/verify?lang=${input.lang === 'ko' ? 'en' : 'ko'}`,
  });
}

/** The verify form: posted to /verify (page.routes.ts), with a pasted link, JSON or JWT, or a dropped file (ieum.js). */
function verifyForm(lang: Lang, text = ''): SafeHtml {
  const t = messages(lang);
  return html`<form class="verify-form" method="post" action="/verify?lang=${lang}" enctype="multipart/form-data">
  <label for="text">${t['verify.text']}</label>
  <textarea id="text" name="text" rows="6" spellcheck="false">${text}</textarea>
  <label for="file" class="drop">${t['verify.file']}</label>
  <input id="file" name="file" type="file" accept=".png,.svg,.json,.jwt,.txt,image/png,image/svg+xml,application/json">
  <button type="submit" id="verify-submit">${t['verify.submit']}</button>
</form>`;
}

export interface InstitutionListItem {
  slug: string;
  name: string;
  nameEn: string | null;
}

/** The front door, `/`: what the service is, for whom; a verify box; the institutions it hosts. */
export function homePage(lang: Lang, institutions: InstitutionListItem[]): string {
  const t = messages(lang);
  const audiences = (['learners', 'employers', 'institutions'] as const).map(
    (who) => html`<li class="audience" id="for-${who}"><h3>${t[`home.${who}`]}</h3><p>${t[`home.${who}.body`]}</p></li>`,
  );
  const body = html`<h1>${t['home.title']}</h1>
<p class="lead">${t['home.lead']}</p>
<ul class="audiences">${audiences}</ul>
<section class="home-verify" aria-labelledby="home-verify-title">
  <h2 id="home-verify-title">${t['home.verify']}</h2>
  <p class="lead">${t['home.verify.lead']}</p>
  ${verifyForm(lang)}
</section>
<section class="hosts" aria-labelledby="hosts-title">
  <h2 id="hosts-title">${t['home.hosts']}</h2>
  ${
    institutions.length === 0
      ? html`<p class="muted">${t['home.noHosts']}</p>`
      : html`<ul class="institutions" id="institutions">${institutions.map(
          (i) => html`<li><a href="/issuers/${encodeURIComponent(i.slug)}?lang=${lang}">${lang === 'en' ? (i.nameEn ?? i.name) : i.name}</a></li>`,
        )}</ul>`
  }
</section>
<p class="footer-link"><a href="/me?lang=${lang}">${t['home.me']}</a></p>`;
  return layout(lang, { title: t['home.title'], description: t['home.lead'] }, body, { langSwitchHref: `/?lang=${lang === 'ko' ? 'en' : 'ko'}` });
}

export interface InstitutionPageInput {
  slug: string;
  name: string;
  nameEn: string | null;
  description: string | null;
  url: string;
  /** The logo's address on this service, when it has one. */
  logo?: string | undefined;
  achievements: {
    kind: AchievementKind;
    name: string;
    nameEn: string | null;
    description: string;
    descriptionEn: string | null;
    hours: number | null;
  }[];
}

/** An institution's page for people: `/issuers/{slug}` asked for as text/html. */
export function institutionPage(lang: Lang, input: InstitutionPageInput): string {
  const t = messages(lang);
  const en = lang === 'en';
  const name = en ? (input.nameEn ?? input.name) : input.name;
  const body = html`<article class="credential institution">
  ${input.logo ? html`<p class="institution-logo"><img src="${input.logo}" alt="${fill(t['issuer.logoAlt'], { name })}"></p>` : ''}
  <h1 id="institution-name">${name}</h1>
  ${input.description ? html`<p class="description">${input.description}</p>` : ''}
  <p><a id="institution-url" href="${safeHref(input.url)}" rel="noopener">${t['issuer.website']}: ${input.url}</a></p>
</article>
<section aria-labelledby="achievements-title">
  <h2 id="achievements-title">${t['issuer.achievements']}</h2>
  ${
    input.achievements.length === 0
      ? html`<p class="muted">${t['issuer.noAchievements']}</p>`
      : html`<ul class="achievements" id="achievements">${input.achievements.map((a) => {
          const description = en ? (a.descriptionEn ?? a.description) : a.description;
          return html`<li class="achievement-item" data-kind="${a.kind}">
  <p class="achievement-item-name">${en ? (a.nameEn ?? a.name) : a.name}</p>
  <p class="achievement-item-meta"><span class="chip visibility">${t[`kind.${a.kind}`]}</span>${a.hours !== null ? html` <span>${a.kind === 'training_hours' ? t.requiredHours : t.hours}: ${a.hours} ${t.hoursUnit}</span>` : ''}</p>
  ${description ? html`<p class="description">${description}</p>` : ''}
</li>`;
        })}</ul>`
  }
</section>
<p class="footer-link"><a href="/?lang=${lang}">${t['issuer.home']}</a> · <a href="/verify?lang=${lang}">${t.verifyOther}</a></p>`;
  return layout(lang, { title: name, description: input.description ?? name }, body, {
    langSwitchHref: `/issuers/${encodeURIComponent(input.slug)}?lang=${lang === 'ko' ? 'en' : 'ko'}`,
  });
}

/** No institution with that slug, for a person. */
export function institutionNotFoundPage(lang: Lang): string {
  const t = messages(lang);
  return layout(
    lang,
    { title: t['issuer.notFound.title'], description: t['issuer.notFound.body'] },
    html`<section class="verdict muted"><p class="verdict-word">${t['issuer.notFound.title']}</p><p class="verdict-lead">${t['issuer.notFound.body']}</p></section><p class="footer-link"><a href="/?lang=${lang}">${t['issuer.home']}</a></p>`,
  );
}
