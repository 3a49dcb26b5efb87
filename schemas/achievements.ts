import { freeText, httpUrl, imageUrl, nameText, problemReplies, uuidParam, institutionSecurity } from './common.js';

export const achievementKinds = ['course', 'study_group', 'training_hours'] as const;

export const achievementCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'name', 'description', 'criteria'],
  properties: {
    kind: { type: 'string', enum: achievementKinds },
    name: nameText(300),
    description: freeText(5000),
    nameEn: { ...nameText(300), description: 'The English name, on English pages and certificates (not in the signed Achievement)' },
    descriptionEn: { ...freeText(5000), description: 'The English description, on English pages (not in the signed Achievement)' },
    criteria: {
      type: 'object',
      additionalProperties: false,
      required: ['narrative'],
      properties: { narrative: freeText(10000) },
    },
    image: imageUrl,
    hours: { type: 'number', exclusiveMinimum: 0, maximum: 100000, description: 'Hours of the programme (creditsAvailable)' },
    requiredHours: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 100000,
      description: 'training_hours: hours that earn the credential',
    },
    tags: { type: 'array', maxItems: 30, items: nameText(100) },
    language: { type: 'string', pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', default: 'ko' },
    humanCode: { ...nameText(100), description: 'The programme code the institution uses' },
    fieldOfStudy: nameText(200),
    resultDescription: {
      type: 'object',
      additionalProperties: false,
      description: 'course: how a grade or score is expressed',
      required: ['name', 'resultType'],
      properties: {
        name: nameText(200),
        resultType: { type: 'string', enum: ['GradePointAverage', 'LetterGrade', 'Percent', 'PerformanceLevel', 'RawScore', 'Status'] },
        allowedValue: { type: 'array', maxItems: 50, items: nameText(50) },
        valueMin: nameText(50),
        valueMax: nameText(50),
      },
    },
    evidenceUrl: httpUrl,
  },
  example: {
    kind: 'course',
    name: '백엔드 개발자 입문과정',
    description: 'Node.js와 PostgreSQL로 웹 서비스를 만드는 450시간 과정',
    criteria: { narrative: '출석 80% 이상, 최종 프로젝트 통과' },
    hours: 450,
    tags: ['백엔드', 'Node.js'],
  },
} as const;

export const achievementSummary = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    nameEn: { type: ['string', 'null'] },
    descriptionEn: { type: ['string', 'null'] },
    achievement: { $ref: 'JsonLdDocument#' },
    createdAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'url', 'kind', 'name', 'achievement'],
} as const;

const idParams = { type: 'object', properties: { id: uuidParam }, required: ['id'] } as const;

/** PATCH /v1/achievements/{id}: the English words may be added or changed later (null removes one). */
export const achievementEnglishBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    nameEn: { anyOf: [nameText(300), { type: 'null' }] },
    descriptionEn: { anyOf: [freeText(5000), { type: 'null' }] },
  },
  example: { nameEn: 'Introduction to Backend Development', descriptionEn: 'A 450-hour course building web services with Node.js and PostgreSQL' },
} as const;

export const achievementRoutesSchema = {
  create: {
    tags: ['achievements'],
    operationId: 'createAchievement',
    summary: 'Define what is awarded',
    security: institutionSecurity,
    body: achievementCreateBody,
    response: { 201: achievementSummary, ...problemReplies },
  },
  get: {
    tags: ['achievements'],
    operationId: 'getAchievement',
    summary: 'Read one of your achievements',
    security: institutionSecurity,
    params: idParams,
    response: { 200: achievementSummary, ...problemReplies },
  },
  updateEnglish: {
    tags: ['achievements'],
    operationId: 'updateAchievementEnglish',
    summary: 'Set the English name and description (for English pages and certificates)',
    description: 'Only these two fields change: what an achievement awards, and the credentials already signed, stay as they are.',
    security: institutionSecurity,
    params: idParams,
    body: achievementEnglishBody,
    response: { 200: achievementSummary, ...problemReplies },
  },
  list: {
    tags: ['achievements'],
    operationId: 'listAchievements',
    summary: 'Your achievements, newest first',
    security: institutionSecurity,
    response: { 200: { type: 'object', properties: { items: { type: 'array', items: achievementSummary } } }, ...problemReplies },
  },
  public: {
    tags: ['public'],
    operationId: 'getPublicAchievement',
    summary: 'The achievement as an Open Badges Achievement (JSON-LD)',
    params: idParams,
    response: { 200: { $ref: 'JsonLdDocument#' }, 404: { $ref: 'Problem#' } },
  },
} as const;
