/**
 * The window a date that comes in must fall in: one helper for every route that takes one
 * (credential issue, cohort rows, training hours). A date outside it is a typo or a default
 * (1900-01-01, 2099-12-31), and once signed into a credential it cannot be taken back.
 *
 * The window, in Asia/Seoul (the service's programmes are Korean; +09:00 all year, no daylight
 * saving since 1988), from the first day to the last day inclusive:
 *
 * | what                                   | from       | to                                        |
 * | -------------------------------------- | ---------- | ----------------------------------------- |
 * | a training session (`date`)            | 2000-01-01 | tomorrow: a session is recorded once held (a day's slack for clocks and zones), and future hours must not reach a threshold early |
 * | `activityStartDate`, `activityEndDate` | 2000-01-01 | a year from today: a cohort may be certified before the programme's official last day |
 * | `validFrom`                            | 2000-01-01 | a year from today                         |
 * | `validUntil`                           | 2000-01-01 | 2099-12-31: a credential may hold for decades, not for ever |
 *
 * 2000-01-01 is before any programme this service records (the Open Badges themselves date from 2011).
 */
import { InvalidInput } from './invalid-input.js';

export const EARLIEST_DATE = '2000-01-01';
export const LATEST_VALID_UNTIL = '2099-12-31';
const SEOUL = '+09:00';
const DAY_MS = 86_400_000;

/** The calendar date in Seoul `plusDays` after `now`'s, as YYYY-MM-DD. */
export function seoulDate(now: Date, plusDays = 0): string {
  return new Date(now.getTime() + 9 * 3_600_000 + plusDays * DAY_MS).toISOString().slice(0, 10);
}

export type DateField = 'session' | 'activity' | 'validFrom' | 'validUntil';

/** The last day (in Seoul) each kind of date may fall on, and why, for the problem's detail. */
function latest(kind: DateField, now: Date): { day: string; words: string } {
  switch (kind) {
    case 'session':
      return { day: seoulDate(now, 1), words: 'the latest is tomorrow: a session is recorded once it has taken place' };
    case 'activity':
    case 'validFrom':
      return { day: seoulDate(now, 366), words: 'the latest is a year from today' };
    case 'validUntil':
      return { day: LATEST_VALID_UNTIL, words: 'a credential may hold for decades, not for ever' };
  }
}

/** The moment a date (YYYY-MM-DD, the day's start in Seoul) or a date-time (its own offset) names. */
const instant = (value: string) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00${SEOUL}` : value);

/**
 * Throws a 400 naming `field` unless `value` (a valid `date` or `date-time`: JSON Schema checked its
 * syntax) falls within the window for its kind. `now` is passed in by tests.
 */
export function checkDateWindow(kind: DateField, value: string, field: string, now = new Date()): void {
  const last = latest(kind, now);
  const at = instant(value);
  const from = instant(EARLIEST_DATE);
  const until = instant(last.day) + DAY_MS; // the end of the last day
  if (Number.isNaN(at) || at < from || at >= until) {
    throw new InvalidInput(`${field} must fall between ${EARLIEST_DATE} and ${last.day}, dates in Asia/Seoul (${last.words}); got ${value}`, field);
  }
}
