/** Printable certificates: the PDF, and each institution's look on it. */
import { bearerSecurity, nameText, problemReplies } from './common.js';

/** A logo or seal: a PNG (or an SVG, stored rendered to PNG) as a base64 data: URI; null removes it. */
const certificateImage = (what: string) =>
  ({
    type: ['string', 'null'],
    // The form (a PNG or SVG data: URI) is checked by the service, whose problem says it in words.
    maxLength: 200_000,
    description: `${what}: data:image/png;base64,… (or data:image/svg+xml, stored rendered to PNG); at most 150,000 bytes decoded, 64 to 2,048 pixels a side. null removes it.`,
  }) as const;

export const signatorySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title'],
  description: 'Who signs the certificates, printed under the institution with the seal',
  properties: {
    name: nameText(100),
    title: { ...nameText(100), description: 'e.g. 원장, 센터장, 학장' },
    nameEn: { ...nameText(100), description: 'On English certificates (the Korean name otherwise)' },
    titleEn: { ...nameText(100), description: 'e.g. Director, Dean (the Korean title otherwise)' },
  },
} as const;

export const certificateSettingsBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'The fields given are set; null clears one; the fields left out stay as they are.',
  properties: {
    nameEn: { anyOf: [nameText(200), { type: 'null' }], description: "The institution's English name, on English certificates" },
    signatory: { anyOf: [signatorySchema, { type: 'null' }] },
    logo: certificateImage('The logo, printed above the title (at most 8 times as wide as high)'),
    seal: certificateImage('The seal (직인), pressed over the end of the signatory’s name (about square)'),
  },
  example: {
    nameEn: 'Seoul Women’s Job Centre',
    signatory: { name: '홍길동', title: '원장', nameEn: 'Hong Gildong', titleEn: 'Director' },
  },
} as const;

const imageInfo = {
  type: ['object', 'null'],
  properties: {
    width: { type: 'integer' },
    height: { type: 'integer' },
    bytes: { type: 'integer' },
    dataUri: { type: 'string', description: 'The PNG as stored (8-bit RGBA)' },
  },
} as const;

export const certificateSettings = {
  type: 'object',
  properties: {
    slug: { type: 'string' },
    nameEn: { type: ['string', 'null'] },
    signatory: {
      type: ['object', 'null'],
      properties: { name: { type: 'string' }, title: { type: 'string' }, nameEn: { type: 'string' }, titleEn: { type: 'string' } },
    },
    logo: imageInfo,
    seal: imageInfo,
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['slug', 'nameEn', 'signatory', 'logo', 'seal', 'updatedAt'],
} as const;

const slugParams = {
  type: 'object',
  properties: { slug: { type: 'string', maxLength: 63 } },
  required: ['slug'],
} as const;

export const certificateRoutesSchema = {
  pdf: {
    tags: ['pages'],
    operationId: 'getCertificatePdf',
    summary: 'The printable certificate (PDF, A4): 수료증, 참여확인서 or 교육이수확인서, with its number and QR',
    description:
      'Korean; English with ?lang=en. A revoked, suspended or expired credential is stamped so. A private credential is 403 ' +
      "(credential-private) except to its learner's own session. The certificate number (발급번호) is taken on the first request.",
    params: { type: 'object', properties: { id: { type: 'string', maxLength: 500 } }, required: ['id'] },
    querystring: { type: 'object', properties: { lang: { type: 'string', maxLength: 20, description: 'en for English; Korean otherwise' } } },
    produces: ['application/pdf'],
    response: { 403: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } },
  },
  getSettings: {
    tags: ['issuers'],
    operationId: 'getCertificateSettings',
    summary: "The institution's look on its certificates (operator or the institution)",
    security: bearerSecurity,
    params: slugParams,
    response: { 200: certificateSettings, ...problemReplies },
  },
  updateSettings: {
    tags: ['issuers'],
    operationId: 'updateCertificateSettings',
    summary: "Set the institution's English name, signatory, logo and seal on its certificates (operator or the institution)",
    security: bearerSecurity,
    params: slugParams,
    body: certificateSettingsBody,
    response: { 200: certificateSettings, ...problemReplies },
  },
} as const;
