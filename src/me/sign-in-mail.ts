/** The sign-in mail: Korean first, English below, as text and as escaped HTML. */
import type { Mail } from '../mail/mailer.js';
import { html } from '../pages/html.js';

export function signInMail(to: string, link: string, minutes: number): Mail {
  const text = [
    '안녕하세요.',
    '',
    `이음 디지털 배지의 내 배지 페이지에 로그인하려면 아래 링크를 여세요. 링크는 ${minutes}분 동안, 한 번만 쓸 수 있습니다.`,
    '',
    link,
    '',
    '로그인을 요청하지 않으셨다면 이 메일을 무시하셔도 됩니다. 아무 일도 일어나지 않습니다.',
    '',
    '---',
    '',
    'Hello,',
    '',
    `To sign in to your page on Ieum digital badges, open the link below. It works once, within ${minutes} minutes.`,
    '',
    link,
    '',
    'If you did not ask to sign in, you can ignore this mail: nothing will happen.',
    '',
  ].join('\n');
  const body = html`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>이음 로그인 링크 · Ieum sign-in link</title></head>
<body style="font-family: sans-serif; line-height: 1.6; color: #1d1d1f">
<p>안녕하세요.</p>
<p>이음 디지털 배지의 내 배지 페이지에 로그인하려면 아래 버튼을 누르세요. 링크는 ${minutes}분 동안, 한 번만 쓸 수 있습니다.</p>
<p><a href="${link}" style="display: inline-block; padding: 10px 16px; background: #2b59c3; color: #fff; border-radius: 8px; text-decoration: none">로그인하기</a></p>
<p style="color: #5f6368">버튼이 열리지 않으면 이 주소를 브라우저에 붙여넣으세요: ${link}</p>
<p style="color: #5f6368">로그인을 요청하지 않으셨다면 이 메일을 무시하셔도 됩니다.</p>
<hr>
<div lang="en">
<p>Hello,</p>
<p>To sign in to your page on Ieum digital badges, press the button below. The link works once, within ${minutes} minutes.</p>
<p><a href="${link}">Sign in</a></p>
<p style="color: #5f6368">If you did not ask to sign in, you can ignore this mail.</p>
</div>
</body></html>`;
  return { to, subject: '[이음] 로그인 링크 · Your sign-in link', text, html: body.value };
}
