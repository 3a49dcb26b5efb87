/**
 * `GET /v1/backup` (operator): the backup file, streamed from one snapshot of the database. This is
 * how `ieum backup` reads the embedded database while the service holds it; on PostgreSQL the CLI
 * reads the server itself. docs/operations.md#backups.
 */
import type { FastifyInstance } from 'fastify';
import { operatorSecurity, problemReplies } from '../../schemas/common.js';
import { requireAdmin } from '../auth/auth.js';
import type { BackupService } from './backup.service.js';

const backupSchema = {
  tags: ['issuers'],
  operationId: 'downloadBackup',
  summary: 'A backup of the whole database (operator): gzip, checksummed; load it with `ieum restore`',
  description:
    'One REPEATABLE READ snapshot. On the embedded database the snapshot holds its only session while the file is sent (seconds for thousands of credentials).',
  security: operatorSecurity,
  produces: ['application/gzip'],
  response: { ...problemReplies },
} as const;

export async function backupRoutes(app: FastifyInstance, backups: BackupService): Promise<void> {
  app.get('/v1/backup', { schema: backupSchema }, async (request, reply) => {
    requireAdmin(await app.authenticate(request));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    reply.header('content-disposition', `attachment; filename="ieum-${stamp}.ieum"`);
    reply.header('cache-control', 'no-store');
    return reply.type('application/gzip').send(backups.stream());
  });
}
