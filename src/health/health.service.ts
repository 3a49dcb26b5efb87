/** Whether this instance can serve: its database answers. */
import { databaseAnswers, type Db } from '../db/database.js';

export type HealthService = ReturnType<typeof createHealthService>;

export function createHealthService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** True when the database answers a trivial query in time. */
    check: (): Promise<boolean> => databaseAnswers(db),
  };
}
