/**
 * Achievements: what an institution awards, in three kinds (course, study_group, training_hours),
 * rendered as the OB 3.0 `Achievement`.
 */
import { randomUUID } from 'node:crypto';
import { createCache } from '../cache.js';
import type { Db } from '../db/database.js';
import type { AchievementKind, AchievementRow, IssuerRow } from '../db/types.js';
import { badRequest, notFound } from '../errors.js';
import { acceptImage } from '../images.js';
import { OB_V3_CONTEXT, VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import { findIssuerById } from '../issuers/issuer.repository.js';
import type { IssuerService } from '../issuers/issuer.service.js';
import type { Urls } from '../urls.js';
import { findAchievement, insertAchievement, listAchievements, updateAchievementEnglish } from './achievement.repository.js';

export interface AchievementInput {
  kind: AchievementKind;
  name: string;
  description: string;
  /** English words for English pages and certificates; kept out of the signed Achievement (OB 3.0 has one name). */
  nameEn?: string;
  descriptionEn?: string;
  criteria: { narrative: string };
  image?: string;
  hours?: number;
  requiredHours?: number;
  tags?: string[];
  language?: string;
  humanCode?: string;
  fieldOfStudy?: string;
  resultDescription?: { name: string; resultType: string; allowedValue?: string[]; valueMin?: string; valueMax?: string };
}

/** OB 3.0 AchievementType for each kind (an extensible vocabulary; these are its standard terms). */
const ACHIEVEMENT_TYPE: Record<AchievementKind, string> = {
  course: 'CertificateOfCompletion',
  study_group: 'CoCurricular',
  training_hours: 'LearningProgram',
};

/** Achievement rows an instance keeps in memory. */
const KNOWN_ACHIEVEMENTS = 1000;

/** How many achievements a list answers with. */
const LIST_LIMIT = 500;

type Details = Pick<AchievementInput, 'humanCode' | 'fieldOfStudy' | 'resultDescription'>;

export type AchievementService = ReturnType<typeof createAchievementService>;

export function createAchievementService(deps: { db: Db; urls: Urls; issuers: IssuerService }) {
  const { db, urls, issuers } = deps;

  /** The OB `Achievement` (without @context), as embedded in credentials. */
  function achievementOf(row: AchievementRow, issuer: IssuerRow): Record<string, unknown> {
    const id = urls.achievement(row.id);
    const details = row.details as Details;
    const achievement: Record<string, unknown> = {
      id,
      type: ['Achievement'],
      achievementType: ACHIEVEMENT_TYPE[row.kind],
      name: row.name,
      description: row.description,
      criteria: { narrative: row.criteria_narrative },
      creator: issuers.profileOf(issuer),
      inLanguage: row.language,
    };
    if (row.image) achievement.image = { id: row.image, type: 'Image', caption: row.name };
    const credits = row.hours ?? row.required_hours;
    if (credits !== null) achievement.creditsAvailable = Number(credits);
    const tags = row.tags as string[];
    if (tags.length > 0) achievement.tag = tags;
    if (details.humanCode) achievement.humanCode = details.humanCode;
    if (details.fieldOfStudy) achievement.fieldOfStudy = details.fieldOfStudy;
    if (details.resultDescription) {
      achievement.resultDescription = [{ id: `${id}#result`, type: ['ResultDescription'], ...details.resultDescription }];
    } else if (row.kind === 'study_group') {
      // Attendance is the study group's result: sessions attended, a raw count.
      achievement.resultDescription = [
        { id: `${id}#attendance`, type: ['ResultDescription'], name: '참여 세션 수 (sessions attended)', resultType: 'RawScore', valueMin: '0' },
      ];
    }
    return achievement;
  }

  function summary(row: AchievementRow, issuer: IssuerRow) {
    return {
      id: row.id,
      url: urls.achievement(row.id),
      kind: row.kind,
      name: row.name,
      nameEn: row.name_en ?? null,
      descriptionEn: row.description_en ?? null,
      achievement: achievementOf(row, issuer),
      createdAt: row.created_at.toISOString(),
    };
  }

  /** Achievements never change once defined, so every instance may keep the rows it has read. */
  // Only rows found are kept: an id missing here may be created on another instance a moment later.
  const known = createCache<AchievementRow>({ maxEntries: KNOWN_ACHIEVEMENTS });

  async function findForIssuer(issuerId: string, id: string): Promise<AchievementRow> {
    let row = known.get(id);
    if (!row) {
      row = await findAchievement(db, id);
      if (row) known.set(id, row);
    }
    // Another institution's achievement is reported as missing, so ids cannot be probed.
    if (!row || row.issuer_id !== issuerId) throw notFound(`Achievement ${id}`);
    return row;
  }

  return {
    achievementOf,
    findForIssuer,

    async create(issuer: IssuerRow, input: AchievementInput) {
      if (input.kind === 'training_hours' && input.requiredHours === undefined) {
        throw badRequest('a training_hours achievement needs requiredHours', 'requiredHours');
      }
      if (input.kind !== 'training_hours' && input.requiredHours !== undefined) {
        throw badRequest('requiredHours applies only to training_hours achievements', 'requiredHours');
      }
      // Checked (an SVG re-rendered to PNG) before anything is written: src/images.ts.
      const image = input.image === undefined ? null : await acceptImage(input.image, 'image');
      const details: Details = {};
      if (input.humanCode) details.humanCode = input.humanCode;
      if (input.fieldOfStudy) details.fieldOfStudy = input.fieldOfStudy;
      if (input.resultDescription) details.resultDescription = input.resultDescription;
      const row = await insertAchievement(db, {
        id: randomUUID(),
        issuer_id: issuer.id,
        kind: input.kind,
        name: input.name,
        description: input.description,
        name_en: input.nameEn ?? null,
        description_en: input.descriptionEn ?? null,
        criteria_narrative: input.criteria.narrative,
        image,
        hours: input.hours ?? null,
        required_hours: input.requiredHours ?? null,
        tags: JSON.stringify(input.tags ?? []),
        language: input.language ?? 'ko',
        details: JSON.stringify(details),
      });
      return summary(row, issuer);
    },

    async get(issuer: IssuerRow, id: string) {
      // Read fresh: the English words may have changed on another instance (the rest never does).
      const row = await findAchievement(db, id);
      if (!row || row.issuer_id !== issuer.id) throw notFound(`Achievement ${id}`);
      return summary(row, issuer);
    },

    /** PATCH /v1/achievements/{id}: the English name and description only; the signed Achievement does not carry them. */
    async updateEnglish(issuer: IssuerRow, id: string, input: { nameEn?: string | null; descriptionEn?: string | null }) {
      const change: { name_en?: string | null; description_en?: string | null } = {};
      if (input.nameEn !== undefined) change.name_en = input.nameEn;
      if (input.descriptionEn !== undefined) change.description_en = input.descriptionEn;
      const row = await updateAchievementEnglish(db, issuer.id, id, change);
      if (!row) throw notFound(`Achievement ${id}`);
      known.set(id, row);
      return summary(row, issuer);
    },

    async list(issuer: IssuerRow) {
      const rows = await listAchievements(db, issuer.id, LIST_LIMIT);
      return { items: rows.map((row) => summary(row, issuer)) };
    },

    async publicAchievement(id: string) {
      const row = await findAchievement(db, id);
      if (!row) throw notFound(`Achievement ${id}`);
      const issuer = await findIssuerById(db, row.issuer_id);
      if (!issuer) throw new Error(`achievement ${id} names a missing issuer`);
      return { '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT], ...achievementOf(row, issuer) };
    },
  };
}
