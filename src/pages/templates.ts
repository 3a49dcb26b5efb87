/**
 * The public pages: a credential's page (and its print view), the verify page, the 404 page.
 * Server-rendered, no inline script or style (a strict CSP allows only same-origin files).
 */
import type { Json } from '../ids.js';
import { securedByJwtAlone } from '../credentials/credential.document.js';
import type { Verdict } from '../verify/verdict.js';
import { html, safeHref, type SafeHtml } from './html.js';
import { checkText, formatDate, messages, type Lang } from './i18n.js';

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
}

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
${meta.image ? html`<meta property="og:image" content="${meta.image}"><meta name="twitter:image" content="${meta.image}">` : ''}
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${meta.title}">
<meta name="twitter:description" content="${meta.description}">
<link rel="stylesheet" href="/assets/ieum.css">
<script src="/assets/ieum.js" defer></script>
</head>
<body class="${options.bodyClass ?? ''}">
<header class="top"><a class="brand" href="/verify">${t.siteName}</a>${options.langSwitchHref ? html`<a class="lang" href="${options.langSwitchHref}" hreflang="${lang === 'ko' ? 'en' : 'ko'}">${t.langSwitch}</a>` : ''}</header>
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
}

/** A CLR (the learner's record) has no printable certificate of its own. */
const isClr = (credential: Json) => ([] as unknown[]).concat(credential.type ?? []).includes('ClrCredential');

function subjectOf(credential: Json): Json {
  return ([] as Json[]).concat(credential.credentialSubject ?? [])[0] ?? {};
}

function linkedInHref(input: CredentialPageInput): string {
  const { credential } = input;
  const subject = subjectOf(credential);
  const issued = new Date(credential.validFrom);
  const params = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: String(subject.achievement?.name ?? credential.name ?? ''),
    organizationName: String(credential.issuer?.name ?? ''),
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
  const hours = subject.creditsEarned ?? achievement.creditsAvailable;
  const rows: [string, unknown][] = [
    [t.learner, subject.name],
    [t.achievement, achievement.name],
    [t.issuer, credential.issuer?.name],
    [t.issued, formatDate(credential.validFrom, lang)],
    [t.validUntil, credential.validUntil ? formatDate(credential.validUntil, lang) : t.noEnd],
    [t.hours, hours !== undefined ? `${hours} ${t.hoursUnit}` : undefined],
    [t.role, subject.role],
    [t.period, subject.activityStartDate ? `${formatDate(subject.activityStartDate, lang)} – ${formatDate(subject.activityEndDate, lang)}` : undefined],
  ];
  return html`<dl class="facts">${rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

export function credentialPage(input: CredentialPageInput): string {
  const t = messages(input.lang);
  const { credential, verdict, id } = input;
  const subject = subjectOf(credential);
  const achievement: Json = subject.achievement ?? {};
  const evidence = ([] as Json[]).concat(credential.evidence ?? []);
  const base = `/c/${id}`;
  // Revoked or suspended: nothing that would show it off (LinkedIn, the print view, the badge); the
  // PDF stays, since it carries the stamp that says so.
  const withdrawn = verdict.state === 'revoked' || verdict.state === 'suspended';
  const body = html`
${input.notice ? html`<p class="notice" id="private-notice">${input.notice}</p>` : ''}
${verdictBanner(input.lang, verdict)}
<article class="credential">
  <div class="badge-art"><img src="${base}/badge.svg" alt="${achievement.name ?? ''}" width="200" height="200"></div>
  <h1 id="achievement-name">${achievement.name ?? credential.name}</h1>
  ${achievement.description ? html`<p class="description">${achievement.description}</p>` : ''}
  ${facts(input)}
  ${achievement.criteria?.narrative ? html`<section><h2>${t.criteria}</h2><p class="narrative">${achievement.criteria.narrative}</p></section>` : ''}
  ${evidence.length > 0 ? html`<section><h2>${t.evidence}</h2><ul class="evidence">${evidence.map((e) => html`<li>${e.id ? html`<a href="${safeHref(e.id)}" rel="nofollow noopener" target="_blank">${e.name ?? e.id}</a>` : html`<span>${e.name ?? ''}</span>`}${e.narrative ? html` — ${e.narrative}` : ''}</li>`)}</ul></section>` : ''}
</article>
${checkList(input.lang, verdict)}
<section class="share">
  <h2>${t.share}</h2>
  <figure class="qr"><img id="qr" src="${base}/qr.svg" alt="QR" width="220" height="220"><figcaption>${t.qr}</figcaption></figure>
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
  const title = `${achievement.name ?? credential.name} — ${subject.name ?? ''}`;
  const description = `${credential.issuer?.name ?? ''} · ${t[`state.${verdict.state}`]}`;
  return layout(input.lang, { title, description, url: input.url, image: `${input.url}/badge.png` }, body, { langSwitchHref: input.langSwitchHref });
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
  <h1 class="cert-achievement">${achievement.name ?? credential.name}</h1>
  ${hours !== undefined ? html`<p class="cert-hours">${hours} ${t.hoursUnit}</p>` : ''}
  <p class="cert-issuer">${credential.issuer?.name ?? ''} · ${formatDate(credential.validFrom, input.lang)}</p>
  <figure class="cert-qr"><img src="/c/${id}/qr.svg" alt="QR" width="160" height="160"><figcaption>${input.url}</figcaption></figure>
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
}

export function verifyPage(input: VerifyPageInput): string {
  const t = messages(input.lang);
  const v = input.verdict;
  const result = v
    ? html`${verdictBanner(input.lang, v)}
<article class="credential"><dl class="facts">
  ${v.credential.recipient.name ? html`<div><dt>${t.learner}</dt><dd>${v.credential.recipient.name}</dd></div>` : ''}
  ${v.credential.achievement?.name ? html`<div><dt>${t.achievement}</dt><dd>${v.credential.achievement.name}</dd></div>` : ''}
  ${v.credential.issuer.name ? html`<div><dt>${t.issuer}</dt><dd>${v.credential.issuer.name}</dd></div>` : ''}
  ${v.credential.validFrom ? html`<div><dt>${t.issued}</dt><dd>${formatDate(v.credential.validFrom, input.lang)}</dd></div>` : ''}
  <div><dt>${t.validUntil}</dt><dd>${v.credential.validUntil ? formatDate(v.credential.validUntil, input.lang) : t.noEnd}</dd></div>
</dl>${input.credentialUrl ? html`<p><a href="${input.credentialUrl}">${input.credentialUrl}</a></p>` : ''}</article>
${checkList(input.lang, v)}`
    : '';
  const body = html`<h1>${t['verify.title']}</h1>
<p class="lead">${t['verify.lead']}</p>
${input.error ? html`<p class="error" role="alert" id="verify-error">${input.error}</p>` : ''}
${result}
<form class="verify-form" method="post" action="/verify?lang=${input.lang}" enctype="multipart/form-data">
  <label for="text">${t['verify.text']}</label>
  <textarea id="text" name="text" rows="6" spellcheck="false">${input.text ?? ''}</textarea>
  <label for="file" class="drop">${t['verify.file']}</label>
  <input id="file" name="file" type="file" accept=".png,.svg,.json,.jwt,.txt,image/png,image/svg+xml,application/json">
  <button type="submit" id="verify-submit">${t['verify.submit']}</button>
</form>`;
  return layout(input.lang, { title: t['verify.title'], description: t['verify.lead'] }, body, {
    langSwitchHref: `/verify?lang=${input.lang === 'ko' ? 'en' : 'ko'}`,
  });
}
