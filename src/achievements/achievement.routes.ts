import type { FastifyInstance } from 'fastify';
import { achievementRoutesSchema as s } from '../../schemas/achievements.js';
import type { Services } from '../services.js';
import type { AchievementInput } from './achievement.service.js';

export async function achievementRoutes(app: FastifyInstance, { achievements }: Services): Promise<void> {
  app.post<{ Body: AchievementInput }>('/v1/achievements', { schema: s.create }, async (request, reply) => {
    const issuer = await app.authenticateIssuer(request);
    const created = await achievements.create(issuer, request.body);
    reply.header('location', `/v1/achievements/${created.id}`);
    return reply.code(201).send(created);
  });

  app.patch<{ Params: { id: string }; Body: { nameEn?: string | null; descriptionEn?: string | null } }>(
    '/v1/achievements/:id',
    { schema: s.updateEnglish },
    async (request) => achievements.updateEnglish(await app.authenticateIssuer(request), request.params.id, request.body),
  );

  app.get('/v1/achievements', { schema: s.list }, async (request) => {
    return achievements.list(await app.authenticateIssuer(request));
  });

  app.get<{ Params: { id: string } }>('/v1/achievements/:id', { schema: s.get }, async (request) => {
    return achievements.get(await app.authenticateIssuer(request), request.params.id);
  });

  app.get<{ Params: { id: string } }>('/achievements/:id', { schema: s.public }, async (request, reply) => {
    return reply.type('application/ld+json').send(await achievements.publicAchievement(request.params.id));
  });
}
