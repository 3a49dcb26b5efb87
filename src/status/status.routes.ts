import type { FastifyInstance } from 'fastify';
import { credentialRoutesSchema as s } from '../../schemas/credentials.js';
import type { Services } from '../services.js';

export async function statusRoutes(app: FastifyInstance, { status }: Services): Promise<void> {
  app.get<{ Params: { id: string } }>('/status/:id', { schema: s.statusList }, async (request, reply) => {
    const list = await status.publish(request.params.id);
    // Short-lived caching with revalidation: a revocation is never hidden for more than a minute.
    reply.header('etag', list.etag);
    reply.header('cache-control', 'public, max-age=30, must-revalidate');
    if (request.headers['if-none-match'] === list.etag) return reply.code(304).send();
    return reply.type('application/vc+ld+json').send(list.credential);
  });
}
