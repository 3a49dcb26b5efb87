/**
 * The mail that brings a learner her credential: Korean first, English below, as text and as HTML
 * (every value escaped by src/pages/html.ts), with the page's QR and the baked badge as inline images.
 * A pure function of what it is given: the sender renders the images and chooses the Message-ID.
 */
import type { Mail } from '../mail/mailer.js';
import { html, safeHref } from '../pages/html.js';

export interface CredentialMailInput {
  to: string;
  learnerName: string;
  /** The stored document: its `name` (the achievement's, or the CLR's) and its issuer's name are shown. */
  credential: Record<string, unknown>;
  /** The credential's public page, `/c/{id}`. */
  pageUrl: string;
  /** Where she signs in to see all her credentials, `/me`. */
  meUrl: string;
  qrPng: Buffer;
  /** The badge with the credential baked in (OB 3.0 §5.3): a file she can keep and share. */
  badgePng: Buffer;
  messageId: string;
  /**
   * Her offer to take the credential into a wallet (OpenID4VCI), when one could be made: a bearer
   * secret, which is why it goes only to her own address, with its QR as an inline image.
   */
  walletOffer?: { offerUri: string; expiresAt: string; qrPng: Buffer } | undefined;
}

/** Content-IDs of the inline images, referred to from the HTML as `cid:…`. */
const QR_CID = 'qr@ieum';
const BADGE_CID = 'badge@ieum';
const WALLET_CID = 'wallet@ieum';

/** A header value on one line (names are normalised text already; this is the last word on it). */
const oneLine = (value: string) => value.replace(/\s+/g, ' ').trim();

export function credentialMail(input: CredentialMailInput): Mail {
  const { learnerName, pageUrl, meUrl } = input;
  const achievement = oneLine(String(input.credential.name ?? ''));
  const issuer = input.credential.issuer as { name?: unknown } | undefined;
  const institution = oneLine(String(issuer?.name ?? ''));

  const offer = input.walletOffer;
  const until = offer ? `${offer.expiresAt.slice(0, 10)} ${offer.expiresAt.slice(11, 16)} UTC` : '';
  const text = [
    `${learnerName}님, 안녕하세요.`,
    '',
    `${institution}에서 「${achievement}」 디지털 배지를 발급했습니다.`,
    '',
    `배지 보기·공유·내려받기: ${pageUrl}`,
    '',
    '첨부한 배지 이미지(PNG)에는 서명된 자격증명이 들어 있어, 그대로 공유해도 진위를 확인할 수 있습니다.',
    `이 서비스에서 받은 모든 배지는 ${meUrl} 에서 이 메일 주소로 로그인하면 한곳에서 볼 수 있습니다.`,
    '',
    ...(offer
      ? [
          `디지털 지갑(OpenID4VCI)에 담기: ${offer.offerUri}`,
          `(한 번만 쓸 수 있고 ${until}까지 유효합니다. 그 뒤에는 내 배지 페이지에서 다시 만들 수 있습니다.)`,
          '',
        ]
      : []),
    '---',
    '',
    `Hello ${learnerName},`,
    '',
    `${institution} has issued you the digital badge "${achievement}".`,
    '',
    `View, share or download it: ${pageUrl}`,
    '',
    'The attached badge image (PNG) carries the signed credential, so it can be verified wherever you share it.',
    `To see every badge you have received on this service in one place, sign in at ${meUrl} with this e-mail address.`,
    '',
    ...(offer
      ? [`Add it to a digital wallet (OpenID4VCI): ${offer.offerUri}`, `(It works once, until ${until}; after that, make a new one on your page.)`, '']
      : []),
  ].join('\n');

  const page = safeHref(pageUrl);
  const me = safeHref(meUrl);
  const body = html`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>${achievement}</title></head>
<body style="font-family: sans-serif; line-height: 1.6; color: #1d1d1f; max-width: 560px">
<p>${learnerName}님, 안녕하세요.</p>
<p><strong>${institution}</strong>에서 <strong>「${achievement}」</strong> 디지털 배지를 발급했습니다.</p>
<p><img src="cid:${BADGE_CID}" alt="${achievement} 배지" width="200" style="max-width: 200px; height: auto"></p>
<p><a href="${page}" style="display: inline-block; padding: 10px 16px; background: #2b59c3; color: #fff; border-radius: 8px; text-decoration: none">배지 보기</a></p>
<p style="color: #5f6368">링크: <a href="${page}">${pageUrl}</a></p>
<p><img src="cid:${QR_CID}" alt="배지 페이지 QR 코드" width="160" height="160"><br>
<span style="color: #5f6368">이 QR 코드를 이력서나 출력물에 넣으면, 스캔한 사람이 배지가 진본인지 바로 확인할 수 있습니다.</span></p>
<p>배지 이미지(PNG)에는 서명된 자격증명이 들어 있어, 그대로 공유해도 진위를 확인할 수 있습니다.</p>
<p>이 서비스에서 받은 모든 배지는 <a href="${me}">내 배지 페이지</a>에서 이 메일 주소로 로그인하면 한곳에서 볼 수 있습니다.</p>
${
  offer
    ? html`<p><strong>디지털 지갑에 담기</strong>: 지갑 앱이 있는 휴대폰에서 <a href="${offer.offerUri}">이 링크</a>를 누르거나, 지갑 앱으로 아래 QR 코드를 찍으세요. 한 번만 쓸 수 있고 ${until}까지 유효합니다.<br>
<img src="cid:${WALLET_CID}" alt="지갑에 담기 QR 코드" width="160" height="160"></p>`
    : ''
}
<hr>
<div lang="en">
<p>Hello ${learnerName},</p>
<p><strong>${institution}</strong> has issued you the digital badge <strong>“${achievement}”</strong>.</p>
<p><a href="${page}">View, share or download your badge</a></p>
<p style="color: #5f6368">Put the QR code above on a résumé or a printout: whoever scans it sees at once that the badge is genuine.
The badge image (PNG) carries the signed credential, so it can be verified wherever you share it.</p>
<p>To see every badge you have received on this service in one place, <a href="${me}">sign in to your page</a> with this e-mail address.</p>
${offer ? html`<p><strong>Add to a wallet</strong>: on the phone with your wallet app, open <a href="${offer.offerUri}">this link</a>, or scan the QR code above with the wallet. It works once, until ${until}.</p>` : ''}
</div>
</body></html>`;

  return {
    to: input.to,
    subject: `[${institution}] ${achievement} 디지털 배지 발급 · Your digital badge`,
    text,
    html: body.value,
    attachments: [
      { filename: 'badge.png', content: input.badgePng, contentType: 'image/png', cid: BADGE_CID },
      { filename: 'qr.png', content: input.qrPng, contentType: 'image/png', cid: QR_CID },
      ...(offer ? [{ filename: 'wallet-qr.png', content: offer.qrPng, contentType: 'image/png', cid: WALLET_CID }] : []),
    ],
    messageId: input.messageId,
  };
}
