/**
 * The commands that are one request each: institutions and API keys (operator), achievements and
 * revocation (institution).
 */
import { EXIT } from './errors.js';
import { numberValue, requiredString, stringValue, uuidValue, type Context, type Values } from './context.js';

interface IssuerCreated {
  slug: string;
  did: string;
  profile: { name?: string };
  apiKey: { id: string; token: string; label?: string | null };
}

interface ApiKeyCreated {
  id: string;
  token: string;
  label?: string | null;
}

interface AchievementCreated {
  id: string;
  url: string;
  kind: string;
  name: string;
}

interface StatusInfo {
  state: string;
  revokedAt?: string | null;
  revocationReason?: string | null;
}

const SHOWN_ONCE = [
  'This API key is shown only this once: the service keeps only its hash. Store it now (a password manager or a secret store).',
  "Use it as IEUM_TOKEN for this institution's commands; if it is lost, create another with `ieum api-key create`.",
];

const json = (ctx: Context, body: unknown) => ctx.out(JSON.stringify(body, null, 2));

export async function issuerCreate(ctx: Context, values: Values): Promise<number> {
  const body = {
    slug: requiredString(values, 'slug'),
    name: requiredString(values, 'name'),
    url: requiredString(values, 'url'),
    email: requiredString(values, 'email'),
    ...(stringValue(values, 'description') !== undefined ? { description: stringValue(values, 'description') } : {}),
  };
  const { body: created } = await ctx.client().request<IssuerCreated>({ method: 'POST', path: 'v1/issuers', json: body });
  if (values.json) {
    json(ctx, created);
    ctx.err(SHOWN_ONCE[0]);
    return EXIT.ok;
  }
  ctx.out(`Institution created: ${body.name} (${created.slug})`);
  ctx.out(`DID:        ${created.did}`);
  ctx.out(`API key id: ${created.apiKey.id}`);
  ctx.out(`API key:    ${created.apiKey.token}`);
  ctx.out();
  for (const line of SHOWN_ONCE) ctx.out(line);
  return EXIT.ok;
}

export async function apiKeyCreate(ctx: Context, values: Values): Promise<number> {
  const slug = requiredString(values, 'slug');
  const label = stringValue(values, 'label');
  const { body: created } = await ctx.client().request<ApiKeyCreated>({
    method: 'POST',
    path: `v1/issuers/${encodeURIComponent(slug)}/api-keys`,
    json: label !== undefined ? { label } : {},
  });
  if (values.json) {
    json(ctx, created);
    ctx.err(SHOWN_ONCE[0]);
    return EXIT.ok;
  }
  ctx.out(`API key created for ${slug}${created.label ? ` (${created.label})` : ''}`);
  ctx.out(`API key id: ${created.id}`);
  ctx.out(`API key:    ${created.token}`);
  ctx.out();
  for (const line of SHOWN_ONCE) ctx.out(line);
  return EXIT.ok;
}

export async function achievementCreate(ctx: Context, values: Values): Promise<number> {
  const hours = numberValue(values, 'hours');
  const requiredHours = numberValue(values, 'required-hours');
  const tags = (values.tag as string[] | undefined) ?? [];
  const body = {
    kind: requiredString(values, 'kind'),
    name: requiredString(values, 'name'),
    description: requiredString(values, 'description'),
    criteria: { narrative: requiredString(values, 'criteria') },
    ...(hours !== undefined ? { hours } : {}),
    ...(requiredHours !== undefined ? { requiredHours } : {}),
    ...(tags.length > 0 ? { tags } : {}),
  };
  const { body: created } = await ctx.client().request<AchievementCreated>({ method: 'POST', path: 'v1/achievements', json: body });
  if (values.json) {
    json(ctx, created);
    return EXIT.ok;
  }
  // The id alone on stdout, so that ACH=$(ieum achievement create …) works; the rest on stderr.
  ctx.out(created.id);
  ctx.err(`Achievement created: ${created.name} (${created.kind}), ${created.url}`);
  return EXIT.ok;
}

export async function revoke(ctx: Context, values: Values): Promise<number> {
  const id = uuidValue(values, 'credential');
  const reason = stringValue(values, 'reason');
  const { body: status } = await ctx.client().request<StatusInfo>({
    method: 'POST',
    path: `v1/credentials/${id}/revoke`,
    json: reason !== undefined ? { reason } : {},
  });
  if (values.json) {
    json(ctx, { id, ...status });
    return EXIT.ok;
  }
  ctx.out(
    `Credential ${id}: ${status.state}${status.revokedAt ? ` since ${status.revokedAt}` : ''}${status.revocationReason ? ` (reason: ${status.revocationReason})` : ''}`,
  );
  return EXIT.ok;
}
