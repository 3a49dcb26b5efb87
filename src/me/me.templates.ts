/**
 * The learner's pages: /me (signed out: the sign-in form; signed in: her credentials, hours,
 * collections), the sign-in link's confirmation, and a shared collection /p/{id}. Plain forms that
 * work without script; the copy buttons use the pages' small ieum.js.
 */
import { html, type SafeHtml } from '../pages/html.js';
import { formatDate, formatMoment, messages, type Lang } from '../pages/i18n.js';
import { layout, STATE_CLASS } from '../pages/templates.js';
import type { MyCollection, MyCredential, SharedCollection } from './me.service.js';

const other = (lang: Lang): Lang => (lang === 'ko' ? 'en' : 'ko');

function signInForm(lang: Lang, email = ''): SafeHtml {
  const t = messages(lang);
  return html`<form class="me-form" id="sign-in-form" method="post" action="/me/link?lang=${lang}">
  <label for="email">${t['me.email']}</label>
  <input id="email" name="email" type="email" autocomplete="email" inputmode="email" required maxlength="254" value="${email}">
  <button type="submit" id="send-link">${t['me.sendLink']}</button>
</form>`;
}

/** /me signed out: the form asking for a link. */
export function signedOutPage(lang: Lang): string {
  const t = messages(lang);
  const body = html`<h1>${t['me.title']}</h1>
<p class="lead">${t['me.lead']}</p>
${signInForm(lang)}`;
  return layout(lang, { title: t['me.title'], description: t['me.lead'] }, body, { langSwitchHref: `/me?lang=${other(lang)}` });
}

/** After asking for a link: the same words whatever the address. */
export function linkSentPage(lang: Lang): string {
  const t = messages(lang);
  const body = html`<section class="notice" id="link-sent"><h1>${t['me.linkSent.title']}</h1><p>${t['me.linkSent.body']}</p></section>`;
  return layout(lang, { title: t['me.linkSent.title'], description: t['me.linkSent.body'] }, body);
}

/**
 * The link's page: one button that posts the token. Opening the link signs no one in, so a mail
 * scanner that follows it uses nothing up.
 */
export function confirmPage(lang: Lang, token: string): string {
  const t = messages(lang);
  const body = html`<h1>${t['me.confirm.title']}</h1>
<p class="lead">${t['me.confirm.body']}</p>
<form class="me-form" method="post" action="/me/sign-in?lang=${lang}">
  <input type="hidden" name="token" value="${token}">
  <button type="submit" id="confirm-sign-in">${t['me.confirm.button']}</button>
</form>`;
  return layout(lang, { title: t['me.confirm.title'], description: t['me.confirm.body'] }, body);
}

/** A link used, expired or unknown: say so kindly, and offer a new one. */
export function linkInvalidPage(lang: Lang): string {
  const t = messages(lang);
  const body = html`<section class="verdict muted" id="link-invalid"><p class="verdict-word">${t['me.linkInvalid.title']}</p><p class="verdict-lead">${t['me.linkInvalid.body']}</p></section>
${signInForm(lang)}`;
  return layout(lang, { title: t['me.linkInvalid.title'], description: t['me.linkInvalid.body'] }, body, { langSwitchHref: `/me?lang=${other(lang)}` });
}

export interface MePageInput {
  lang: Lang;
  email: string;
  credentials: MyCredential[];
  hours: { issuerName: string; year: number; totalHours: number }[];
  collections: MyCollection[];
  error?: string;
}

function credentialItem(lang: Lang, c: MyCredential): SafeHtml {
  const t = messages(lang);
  return html`<li class="my-credential" id="c-${c.id}" data-id="${c.id}" data-state="${c.state}" data-public="${String(c.public)}">
  <div class="my-credential-body">
    <a class="my-credential-name" href="/c/${c.id}?lang=${lang}">${c.name}</a>
    <p class="my-credential-meta">${c.issuer.name} · ${formatDate(c.validFrom, lang)}${c.hours !== null ? html` · ${c.hours} ${t.hoursUnit}` : ''}</p>
    <p><span class="chip ${STATE_CLASS[c.state]}">${t[`state.${c.state}`]}</span>${c.statusReason ? html` <span class="my-credential-reason">${t.reason}: ${c.statusReason}</span>` : ''}
    <span class="chip visibility">${c.public ? t['me.public'] : t['me.private']}</span></p>
    <form method="post" action="/me/credentials/${c.id}/visibility?lang=${lang}" class="inline">
      <input type="hidden" name="public" value="${c.public ? 'false' : 'true'}">
      <button type="submit" class="button small visibility-toggle">${c.public ? t['me.makePrivate'] : t['me.makePublic']}</button>
    </form>
    <form method="post" action="/me/credentials/${c.id}/wallet?lang=${lang}" class="inline">
      <button type="submit" class="button small wallet">${t['me.wallet']}</button>
    </form>
    <label class="pick"><input type="checkbox" name="credentialIds" value="${c.id}" form="new-collection"> ${t['me.pick']}</label>
  </div>
</li>`;
}

function collectionItem(lang: Lang, c: MyCollection): SafeHtml {
  const t = messages(lang);
  return html`<li class="my-collection" id="p-${c.id}" data-id="${c.id}">
  <p class="my-collection-name"><a href="/p/${c.id}?lang=${lang}">${c.name}</a> <span class="muted">(${c.credentialIds.length})</span></p>
  <figure class="qr small"><img src="/p/${c.id}/qr.svg" alt="QR" width="120" height="120"></figure>
  <p class="share-url"><input id="url-${c.id}" readonly value="${c.url}" aria-label="URL"> <button type="button" class="copy" data-copy="#url-${c.id}" data-done="${t.copied}">${t.copyLink}</button></p>
  <form method="post" action="/me/collections/${c.id}/withdraw?lang=${lang}" class="inline"><button type="submit" class="button small withdraw">${t['me.withdraw']}</button></form>
</li>`;
}

/** /me signed in. */
export function mePage(input: MePageInput): string {
  const { lang } = input;
  const t = messages(lang);
  const body = html`<h1>${t['me.title']}</h1>
<p class="lead">${t['me.signedInAs']}: <strong id="me-email">${input.email}</strong></p>
${input.error ? html`<p class="error" role="alert" id="me-error">${input.error}</p>` : ''}
<section id="credentials">
  ${input.credentials.length === 0 ? html`<p class="muted">${t['me.noCredentials']}</p>` : html`<ul class="my-credentials">${input.credentials.map((c) => credentialItem(lang, c))}</ul>`}
</section>
<section id="new-collection-section">
  <h2>${t['me.newCollection']}</h2>
  <p class="muted">${t['me.newCollection.lead']}</p>
  <form class="me-form" id="new-collection" method="post" action="/me/collections?lang=${lang}">
    <label for="collection-name">${t['me.collectionName']}</label>
    <input id="collection-name" name="name" required maxlength="200">
    <button type="submit" id="create-collection">${t['me.create']}</button>
  </form>
</section>
<section id="collections">
  <h2>${t['me.collections']}</h2>
  ${input.collections.length === 0 ? html`<p class="muted">${t['me.noCollections']}</p>` : html`<ul class="my-collections">${input.collections.map((c) => collectionItem(lang, c))}</ul>`}
</section>
<section id="hours">
  <h2>${t['me.hours']}</h2>
  ${
    input.hours.length === 0
      ? html`<p class="muted">${t['me.noHours']}</p>`
      : html`<table class="hours"><thead><tr><th>${t['me.hours.institution']}</th><th>${t['me.hours.year']}</th><th>${t['me.hours.total']}</th></tr></thead><tbody>
${input.hours.map((h) => html`<tr><td>${h.issuerName}</td><td>${h.year}</td><td>${h.totalHours} ${t.hoursUnit}</td></tr>`)}
</tbody></table>`
  }
</section>
<section id="account">
  <p><a class="button" id="export" href="/v1/me/export" download>${t['me.export']}</a></p>
  <form method="post" action="/me/sign-out?lang=${lang}" class="inline"><button type="submit" id="sign-out">${t['me.signOut']}</button></form>
  <h2>${t['me.delete']}</h2>
  <p class="muted">${t['me.delete.lead']}</p>
  <form method="post" action="/me/delete?lang=${lang}" class="inline"><button type="submit" class="danger" id="delete-me">${t['me.delete']}</button></form>
</section>`;
  return layout(lang, { title: t['me.title'], description: t['me.lead'] }, body, { langSwitchHref: `/me?lang=${other(lang)}` });
}

/** Her wallet offer: a QR to scan with a wallet app, or the link on the phone that has the wallet. */
export function walletOfferPage(lang: Lang, offer: { offerUri: string; expiresAt: string; qrSvg: string }): string {
  const t = messages(lang);
  const qr = `data:image/svg+xml;base64,${Buffer.from(offer.qrSvg).toString('base64')}`;
  const body = html`<h1>${t['me.wallet']}</h1>
<p class="lead">${t['me.wallet.lead']}</p>
<figure class="qr"><img id="wallet-qr" src="${qr}" alt="${t['me.wallet.qrAlt']}" width="240" height="240"></figure>
<p><a class="button" id="wallet-link" href="${offer.offerUri}">${t['me.wallet.open']}</a></p>
<p class="muted">${t['me.wallet.expires']}: <time datetime="${offer.expiresAt}">${formatMoment(offer.expiresAt, lang)}</time></p>
<p><a href="/me?lang=${lang}">${t['me.back']}</a></p>`;
  return layout(lang, { title: t['me.wallet'], description: t['me.wallet.lead'] }, body, { langSwitchHref: `/me?lang=${other(lang)}` });
}

/** /p/{id}: the collection, each credential with its live verdict, one QR. */
export function collectionPage(lang: Lang, collection: SharedCollection): string {
  const t = messages(lang);
  const learner = collection.credentials.find((c) => c.learnerName)?.learnerName;
  const base = `/p/${collection.id}`;
  const body = html`<h1 id="collection-name">${collection.name}</h1>
<p class="lead">${t['collection.lead']}</p>
${learner ? html`<p>${t['collection.sharedBy']}: <strong id="collection-learner">${learner}</strong></p>` : ''}
<ul class="shared-credentials">
${collection.credentials.map(
  (c) => html`<li class="shared-credential" data-id="${c.id}" data-state="${c.verdict.state}">
  <section class="verdict ${STATE_CLASS[c.verdict.state]}"><p class="verdict-word">${t[`state.${c.verdict.state}`]}</p><p class="verdict-lead">${t[`state.${c.verdict.state}.lead`]}</p></section>
  <article class="credential">
    <h2 class="shared-name">${c.achievementName}</h2>
    <dl class="facts">
      ${c.learnerName ? html`<div><dt>${t.learner}</dt><dd>${c.learnerName}</dd></div>` : ''}
      ${c.issuerName ? html`<div><dt>${t.issuer}</dt><dd>${c.issuerName}</dd></div>` : ''}
      ${c.validFrom ? html`<div><dt>${t.issued}</dt><dd>${formatDate(c.validFrom, lang)}</dd></div>` : ''}
      <div><dt>${t.validUntil}</dt><dd>${c.validUntil ? formatDate(c.validUntil, lang) : t.noEnd}</dd></div>
      ${c.hours !== null ? html`<div><dt>${t.hours}</dt><dd>${c.hours} ${t.hoursUnit}</dd></div>` : ''}
    </dl>
    ${c.public ? html`<p><a href="/c/${c.id}?lang=${lang}">${t['collection.open']}</a></p>` : html`<p class="muted">${t['collection.privateItem']}</p>`}
  </article>
</li>`,
)}
</ul>
<section class="share">
  <figure class="qr"><img id="qr" src="${base}/qr.svg" alt="QR" width="220" height="220"><figcaption>${t['collection.qr']}</figcaption></figure>
  <p class="share-url"><input id="share-url" readonly value="${collection.url}" aria-label="URL"> <button type="button" class="copy" data-copy="#share-url" data-done="${t.copied}">${t.copyLink}</button></p>
</section>
<p class="footer-link"><a href="/verify?lang=${lang}">${t.verifyOther}</a></p>`;
  const description = `${learner ? `${learner} · ` : ''}${collection.credentials.map((c) => c.achievementName).join(', ')}`.slice(0, 300);
  return layout(lang, { title: collection.name, description, url: collection.url, image: `${collection.url}/qr.png` }, body, {
    langSwitchHref: `${base}?lang=${other(lang)}`,
  });
}

export function collectionNotFoundPage(lang: Lang): string {
  const t = messages(lang);
  return layout(
    lang,
    { title: t['collection.notFound.title'], description: t['collection.notFound.body'] },
    html`<section class="verdict muted" id="collection-not-found"><p class="verdict-word">${t['collection.notFound.title']}</p><p class="verdict-lead">${t['collection.notFound.body']}</p></section><p class="footer-link"><a href="/verify?lang=${lang}">${t.verifyOther}</a></p>`,
  );
}
