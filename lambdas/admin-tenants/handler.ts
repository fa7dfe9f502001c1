import * as z from 'zod/mini';
import { requireOperator } from '../core/admin-auth.ts';
import { getConfig, getStore } from '../core/deps.ts';
import { InvalidRequest } from '../core/errors.ts';
import { createHandler } from '../core/http/handler.ts';
import { type HttpRequest, type HttpResponse, json } from '../core/http/types.ts';
import { issuerOf } from '../core/issuer.ts';
import { DEFAULT_TENANT_SETTINGS, PLANS, type Tenant } from '../core/store/tenants.ts';
import { generateTenantId, tenantIdProblem } from '../core/tenant-id.ts';
import { integerIn, parseInput } from '../core/validation.ts';

const CreateTenant = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  plan: z.enum(PLANS),
  id: z.optional(z.string()),
  settings: z.optional(
    z.strictObject({
      rpId: z.optional(
        z.string().check(
          z.regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/, {
            message: 'must be a lower-case host name',
          }),
        ),
      ),
      signUpOpen: z.optional(z.boolean()),
      refreshGraceSeconds: z.optional(integerIn(0, 60)),
      accessTokenTtlSeconds: z.optional(integerIn(60, 86_400)),
      idTokenTtlSeconds: z.optional(integerIn(60, 86_400)),
      refreshTokenTtlSeconds: z.optional(integerIn(300, 365 * 86_400)),
      sessionTtlSeconds: z.optional(integerIn(300, 90 * 86_400)),
    }),
  ),
});

/** POST /admin/tenants — the platform operator creates a tenant (an issuer). */
export async function createTenant(req: HttpRequest): Promise<HttpResponse> {
  const config = getConfig();
  requireOperator(req, config);
  if (req.json === undefined) throw new InvalidRequest('Send a JSON body: { "name", "plan" }.');
  const input = parseInput(CreateTenant, req.json);
  const id = input.id ?? generateTenantId();
  const problem = tenantIdProblem(id);
  if (problem) throw new InvalidRequest(`id: ${problem}`);

  const tenant: Tenant = {
    id,
    name: input.name,
    plan: input.plan,
    settings: { ...DEFAULT_TENANT_SETTINGS, ...input.settings },
    createdAt: new Date().toISOString(),
  };
  await getStore().tenants.createTenant(tenant);
  const issuer = issuerOf(req, tenant.id);
  return json(
    201,
    { ...tenant, issuer, discovery: `${issuer}/.well-known/openid-configuration` },
    { Location: `${req.baseUrl}/admin/tenants/${tenant.id}` },
  );
}

export const handler = createHandler(createTenant);
