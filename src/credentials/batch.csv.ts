/**
 * Reading a cohort CSV (as spreadsheets export it: UTF-8 with or without BOM, a header row) into
 * batch rows. Parsing is csv-parse's; here only the columns are mapped onto the JSON row shape.
 */
import { parse } from 'csv-parse/sync';
import { badRequest } from '../errors.js';
import type { BatchRow } from './batch.service.js';

const RECIPIENT = ['name', 'email', 'did', 'externalId'];
const PLAIN = ['validFrom', 'validUntil', 'activityStartDate', 'activityEndDate', 'role', 'term', 'creditsEarned', 'narrative', 'jwtAlgorithm', 'idempotencyKey'];
const EVIDENCE: Record<string, string> = { evidenceUrl: 'url', evidenceName: 'name', evidenceNarrative: 'narrative' };
const GROUP: Record<string, string> = { groupName: 'name', groupTopic: 'topic', sessionsAttended: 'sessionsAttended', sessionsTotal: 'sessionsTotal' };
export const CSV_COLUMNS = [...RECIPIENT, ...PLAIN, 'result', ...Object.keys(EVIDENCE), ...Object.keys(GROUP)];

export function rowsFromCsv(text: string): BatchRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, columns: (header: string[]) => header.map((h) => h.trim()), skip_empty_lines: true, trim: true, info: true, relax_column_count: false });
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
    const group: Record<string, string> = {};
    for (const [column, value] of Object.entries(record)) {
      if (value === '') continue;
      if (RECIPIENT.includes(column)) recipient[column] = value;
      else if (column in EVIDENCE) evidence[EVIDENCE[column]!] = value;
      else if (column in GROUP) group[GROUP[column]!] = value;
      else if (column === 'result') item.result = [{ value }];
      else item[column] = value;
    }
    item.recipient = recipient;
    if (Object.keys(evidence).length > 0) item.evidence = [evidence];
    if (Object.keys(group).length > 0) item.studyGroup = group;
    return { item, line: info.lines };
  });
}
