// Every migration, in order. Listed explicitly (rather than read from the folder) so the same list
// runs under tsx, vitest and a bundled build alike. Add new files here with the next prefix.
import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_init.js';
import * as m0002 from './0002_known_issuers.js';
import * as m0003 from './0003_training_hours.js';
import * as m0004 from './0004_clr.js';
import * as m0005 from './0005_uncompressed_documents.js';
import * as m0006 from './0006_status_positions.js';
import * as m0007 from './0007_caller_credential_ids.js';
import * as m0008 from './0008_key_encryption_check.js';
import * as m0009 from './0009_learners.js';
import * as m0011 from './0011_wallet_offers.js';
import * as m0012 from './0012_certificates.js';

export const migrations: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_known_issuers': m0002,
  '0003_training_hours': m0003,
  '0004_clr': m0004,
  '0005_uncompressed_documents': m0005,
  '0006_status_positions': m0006,
  '0007_caller_credential_ids': m0007,
  '0008_key_encryption_check': m0008,
  '0009_learners': m0009,
  '0011_wallet_offers': m0011,
  '0012_certificates': m0012,
};
