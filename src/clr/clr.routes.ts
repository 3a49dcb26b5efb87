import type { FastifyInstance } from 'fastify';
import { clrRoutesSchema as s } from '../../schemas/clr.js';
import { actorOf } from '../auth/auth.js';
import type { ClrInput, ClrService } from './clr.service.js';

/** CLR 2.0 records. Takes only the service it uses, so it is wired like the others with `services`. */
export async function clrRoutes(app: FastifyInstance, { clr }: { clr: ClrService }): Promise<void> {
  app.post<{ Params: { id: string }; Body: ClrInput }>(
    '/v1/learners/:id/clr',
    {
      schema: s.issue,
      // Every field is optional, so a POST without a body is the plain request, not a 400.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
      const issued = await clr.issue(issuer, request.params.id, request.body, actorOf(principal));
      reply.header('location', issued.url);
      return reply.code(201).send(issued);
    },
  );
}
