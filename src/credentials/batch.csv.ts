/**
 * Reading a cohort CSV (as spreadsheets export it: UTF-8 with or without BOM, a header row) into
 * batch rows. Parsing is csv-parse's; here only the columns are mapped onto the JSON row shape.
 */
import { parse } from 'csv-parse/sync';
import { batchItemSchema } from '../../schemas/credentials.js';
import { badRequest } from '../errors.js';
import type { BatchRow } from './batch.service.js';

const RECIPIENT = ['name', 'email', 'did', 'externalId'];
const PLAIN = [
  'validFrom',
  'validUntil',
  'activityStartDate',
  'activityEndDate',
  'role',
  'term',
  'creditsEarned',
  'narrative',
  'jwtAlgorithm',
  'idempotencyKey',
];
const EVIDENCE: Record<string, string> = { evidenceUrl: 'url', evidenceName: 'name', evidenceNarrative: 'narrative' };
const GROUP: Record<string, string> = { groupName: 'name', groupTopic: 'topic', sessionsAttended: 'sessionsAttended', sessionsTotal: 'sessionsTotal' };
export const CSV_COLUMNS = [...RECIPIENT, ...PLAIN, 'result', ...Object.keys(EVIDENCE), ...Object.keys(GROUP)];

/** The API field each column fills, turned round: `recipient.email` → `email`, `studyGroup.name` → `groupName`. */
const COLUMN_OF_FIELD: Record<string, string> = {
  // A row without any identity: the column a registrar most often leaves empty.
  recipient: 'email',
  ...Object.fromEntries(RECIPIENT.map((column) => [`recipient.${column}`, column])),
  ...Object.fromEntries(Object.entries(EVIDENCE).flatMap(([column, field]) => [[`evidence.0.${field}`, column]])),
  'evidence': 'evidenceUrl',
  'evidence.0': 'evidenceUrl',
  ...Object.fromEntries(Object.entries(GROUP).map(([column, field]) => [`studyGroup.${field}`, column])),
  'studyGroup': 'groupName',
  'result': 'result',
  'result.0': 'result',
  'result.0.value': 'result',
};

/**
 * The CSV column behind an API field, so that a cohort's row result names what the registrar
 * typed (`email`), not the JSON field it became (`recipient.email`). A field no column fills
 * (`achievementId`, `securing`) keeps its name.
 */
export function csvColumnOf(field: string): string {
  return COLUMN_OF_FIELD[field] ?? field;
}

/** The JSON type the row schema wants for a column (studyGroup's columns in its sub-schema). */
function columnType(column: string): string | undefined {
  const properties = (column in GROUP ? batchItemSchema.properties.studyGroup.properties : batchItemSchema.properties) as Record<string, { type?: string }>;
  return properties[GROUP[column] ?? column]?.type;
}
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell as the JSON value its column wants. A cell is text; rows are validated without coercion,
 * so a number column's cell is read here as a number when it is written as one. Anything else is
 * left as text, for validation to refuse with the column's name.
 */
function cellValue(column: string, text: string): string | number {
  const type = columnType(column);
  return (type === 'number' || type === 'integer') && NUMBER.test(text) ? Number(text) : text;
}

export function rowsFromCsv(text: string): BatchRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
    });
  } catch (error) {
    throw badRequest(`the CSV cannot be read: ${(error as Error).message}`, 'body');
  }
  if (records.length > 0) {
    const unknown = Object.keys(records[0]!.record).filter((column) => !CSV_COLUMNS.includes(column));
    if (unknown.length > 0) throw badRequest(`unknown CSV column "${unknown[0]}"; known columns: ${CSV_COLUMNS.join(', ')}`, unknown[0]);
  }
  return records.map(({ record, info }) => {
    const item: Record<string, unknown> = {};
    const recipient: Record<string, string> = {};
    const evidence: Record<string, string> = {};
    const group: Record<string, string | number> = {};
    for (const [column, value] of Object.entries(record)) {
      if (value === '') continue;
      if (RECIPIENT.includes(column)) recipient[column] = value;
      else if (column in EVIDENCE) evidence[EVIDENCE[column]!] = value;
      else if (column in GROUP) group[GROUP[column]!] = cellValue(column, value);
      else if (column === 'result') item.result = [{ value }];
      else item[column] = cellValue(column, value);
    }
    item.recipient = recipient;
    if (Object.keys(evidence).length > 0) item.evidence = [evidence];
    if (Object.keys(group).length > 0) item.studyGroup = group;
    return { item, line: info.lines, columns: 'csv' as const };
  });
}
