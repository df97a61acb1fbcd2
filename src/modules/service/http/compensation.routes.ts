import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CompensationPolicyInput, CompensationPolicyPatch, DecisionInput, POLICY_STATUSES, ProposeInput } from '../compensation.schemas.js';
import type { Caller, CompensationService } from '../compensation.service.js';
import { SEVERITIES } from '../service.contract.js';

const caller = (req: FastifyRequest): Caller => ({ actor: `${req.principal!.kind}:${req.principal!.name}`, scopes: req.principal!.scopes });
const PolicyParams = z.object({ code: z.string().trim().min(1).max(64).describe('The policy code (or its id)') });
const TicketParams = z.object({ id: z.string().trim().min(1).max(64).describe('The ticket id or number (T-123 or 123)') });
const CompParams = z.object({ id: z.uuid().describe('The compensation id') });

/**
 * Compensation by severity: /api/v1/service/compensation-policies (service:read to read, service:admin to change),
 * a ticket's options and proposals, and /api/v1/service/compensations/{id}/approve|reject|execute|cancel.
 */
export function registerCompensationRoutes(root: FastifyInstance, compensation: CompensationService) {
  const tags = ['service'];
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/service/compensation-policies',
      {
        config: { scope: 'service:read' },
        schema: {
          tags,
          summary: 'Compensation policies by severity, then code (the defaults are created on first use)',
          querystring: z.object({ status: z.enum(POLICY_STATUSES).optional(), severity: z.enum(SEVERITIES).optional() }).strict(),
        },
      },
      async (req) => ({ items: await compensation.listPolicies(req.query) }),
    );

    app.post(
      '/api/v1/service/compensation-policies',
      { config: { scope: 'service:admin' }, schema: { tags, summary: 'Create a compensation policy: severity, categories, options of actions, approval scope, cap', body: CompensationPolicyInput } },
      async (req, reply) => {
        const p = await compensation.createPolicy(req.body);
        reply.status(201);
        return p;
      },
    );

    app.get('/api/v1/service/compensation-policies/:code', { config: { scope: 'service:read' }, schema: { tags, summary: 'A compensation policy', params: PolicyParams } }, async (req) =>
      compensation.getPolicy(req.params.code),
    );

    app.patch(
      '/api/v1/service/compensation-policies/:code',
      { config: { scope: 'service:admin' }, schema: { tags, summary: 'Change a compensation policy (its code stays)', params: PolicyParams, body: CompensationPolicyPatch } },
      async (req) => compensation.updatePolicy(req.params.code, req.body),
    );

    app.delete(
      '/api/v1/service/compensation-policies/:code',
      { config: { scope: 'service:admin' }, schema: { tags, summary: 'Archive a compensation policy (compensations keep pointing at it)', params: PolicyParams } },
      async (req) => compensation.archivePolicy(req.params.code),
    );

    app.get(
      '/api/v1/service/tickets/:id/compensation-options',
      {
        config: { scope: 'service:read' },
        schema: { tags, summary: 'The options of the active policies matching the ticket’s severity and category, each action with its money value (fen)', params: TicketParams },
      },
      async (req) => compensation.options(req.params.id),
    );

    app.get(
      '/api/v1/service/tickets/:id/compensations',
      { config: { scope: 'service:read' }, schema: { tags, summary: 'The ticket’s compensations, oldest first', params: TicketParams } },
      async (req) => ({ items: await compensation.forTicket(req.params.id) }),
    );

    app.post(
      '/api/v1/service/tickets/:id/compensations',
      {
        config: { scope: 'service:write' },
        schema: {
          tags,
          summary: 'Propose a compensation: a policy’s option {policyCode, optionCode, note}, or custom {actions, note} (needs service:approve)',
          params: TicketParams,
          body: ProposeInput,
        },
      },
      async (req, reply) => {
        const c = await compensation.propose(req.params.id, req.body, caller(req));
        reply.status(201);
        return c;
      },
    );

    app.get('/api/v1/service/compensations/:id', { config: { scope: 'service:read' }, schema: { tags, summary: 'A compensation with its results', params: CompParams } }, async (req) =>
      compensation.get(req.params.id),
    );

    app.post(
      '/api/v1/service/compensations/:id/approve',
      {
        config: { scope: 'service:read' },
        schema: {
          tags,
          summary: 'Approve and execute at once. Needs the policy’s approval scope (custom: service:approve); under service:approve not the proposer',
          params: CompParams,
          body: DecisionInput.nullish(),
        },
      },
      async (req) => compensation.approve(req.params.id, caller(req), req.body?.note),
    );

    app.post(
      '/api/v1/service/compensations/:id/reject',
      { config: { scope: 'service:read' }, schema: { tags, summary: 'Reject a proposal (needs the policy’s approval scope)', params: CompParams, body: DecisionInput.nullish() } },
      async (req) => compensation.reject(req.params.id, caller(req), req.body?.note),
    );

    app.post(
      '/api/v1/service/compensations/:id/execute',
      {
        config: { scope: 'service:write' },
        schema: { tags, summary: 'Execute an approved compensation, or retry a failed one (only what is missing); an executed one answers its results unchanged', params: CompParams },
      },
      async (req) => compensation.execute(req.params.id, caller(req)),
    );

    app.post(
      '/api/v1/service/compensations/:id/cancel',
      { config: { scope: 'service:write' }, schema: { tags, summary: 'Cancel a proposed, approved or failed compensation', params: CompParams, body: DecisionInput.nullish() } },
      async (req) => compensation.cancel(req.params.id, caller(req), req.body?.note),
    );
  });
}
