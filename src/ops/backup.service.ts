/** What the running service offers the operator: a backup streamed from one snapshot of its database. */
import type { Readable } from 'node:stream';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { streamBackup } from './backup.js';

export type BackupService = ReturnType<typeof createBackupService>;

export function createBackupService(deps: { db: Db; config: Config }) {
  return {
    /** The backup file's bytes (gzip, checksummed), as `ieum backup` writes them. */
    stream: (): Readable => streamBackup(deps.db, deps.config),
  };
}
