/**
 * The accounts a LinkedIn login reaches: the member, plus every organization (Page) the member
 * administers when the organization scopes were granted. Organizations act with the member's token.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import { ProviderError, type AccountsClient, type ProviderAccount, type TokenInput } from '../types';
import { API_BASE, ORGANIZATION_ADMIN_SCOPES } from './manifest';
import { bearer, encodeUrn, organizationUrn, parseUrn, personUrn, restHeaders } from './rest';

const userinfoSchema = z.object({
  sub: z.string().min(1),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  picture: z.string().optional(),
  email: z.string().optional(),
});

const aclPageSchema = z.object({
  elements: z.array(
    z.object({
      // `organization` in current versions; `organizationalTarget` in the older organizationalEntityAcls shape.
      organization: z.string().optional(),
      organizationalTarget: z.string().optional(),
      role: z.string().optional(),
      state: z.string().optional(),
    }),
  ),
  paging: z.object({ start: z.number().int().optional(), count: z.number().int().optional(), total: z.number().int().optional() }).optional(),
});

const organizationSchema = z.object({
  id: z.number().int(),
  localizedName: z.string().optional(),
  vanityName: z.string().optional(),
  logoV2: z.object({ original: z.string().optional(), cropped: z.string().optional() }).optional(),
});

const imageSchema = z.object({ downloadUrl: z.string().url().optional() });

const ACL_PAGE_SIZE = 100;
/** Bounds the ACL walk; no member administers thousands of Pages. */
const ACL_MAX_PAGES = 10;

/** https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2#api-request-to-retreive-member-details */
const readMember = async (ctx: CallContext, accessToken: string): Promise<ProviderAccount> => {
  const me = await callJson(ctx, { method: 'GET', url: `${API_BASE}/v2/userinfo`, headers: bearer(accessToken) }, userinfoSchema);
  const fullName = [me.given_name, me.family_name].filter(Boolean).join(' ');
  return {
    platformAccountId: personUrn(me.sub),
    displayName: me.name ?? (fullName || me.sub),
    ...(me.picture !== undefined && { avatarUrl: me.picture }),
    accountType: 'member',
  };
};

/**
 * Organizations the member administers
 * (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role#find-a-members-organization-access-control-information).
 */
const administeredOrganizationIds = async (ctx: CallContext, accessToken: string): Promise<string[]> => {
  const ids: string[] = [];
  for (let page = 0; page < ACL_MAX_PAGES; page++) {
    const res = await callJson(
      ctx,
      {
        method: 'GET',
        url: `${API_BASE}/rest/organizationAcls`,
        query: { q: 'roleAssignee', role: 'ADMINISTRATOR', state: 'APPROVED', start: page * ACL_PAGE_SIZE, count: ACL_PAGE_SIZE },
        headers: restHeaders(accessToken),
      },
      aclPageSchema,
    );
    for (const acl of res.elements) {
      const urn = parseUrn(acl.organization ?? acl.organizationalTarget ?? '');
      if (urn?.kind === 'organization' && (acl.state ?? 'APPROVED') === 'APPROVED' && !ids.includes(urn.id)) ids.push(urn.id);
    }
    const total = res.paging?.total;
    const fetched = (page + 1) * ACL_PAGE_SIZE;
    if (res.elements.length < ACL_PAGE_SIZE || (total !== undefined && fetched >= total)) break;
  }
  return ids;
};

/** A logo's download URL (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api#get-a-single-image). */
const logoUrl = async (ctx: CallContext, accessToken: string, imageUrn: string): Promise<string | undefined> => {
  try {
    const image = await callJson(
      ctx,
      { method: 'GET', url: `${API_BASE}/rest/images/${encodeUrn(imageUrn)}`, headers: restHeaders(accessToken) },
      imageSchema,
    );
    return image.downloadUrl;
  } catch (err) {
    // A logo we may not read is no reason to hide the Page; a dead token or a quota stop still is.
    if (err instanceof ProviderError && (err.failure.kind === 'invalid_request' || err.failure.kind === 'permanent')) return undefined;
    throw err;
  }
};

/** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api#retrieve-an-administered-organization */
const readOrganization = async (ctx: CallContext, accessToken: string, id: string): Promise<ProviderAccount> => {
  const org = await callJson(ctx, { method: 'GET', url: `${API_BASE}/rest/organizations/${id}`, headers: restHeaders(accessToken) }, organizationSchema);
  const logo = org.logoV2?.cropped ?? org.logoV2?.original;
  const avatarUrl = logo?.startsWith('urn:li:image:') ? await logoUrl(ctx, accessToken, logo) : undefined;
  return {
    platformAccountId: organizationUrn(org.id),
    displayName: org.localizedName ?? org.vanityName ?? `Organization ${org.id}`,
    ...(org.vanityName !== undefined && { username: org.vanityName }),
    ...(avatarUrl !== undefined && { avatarUrl }),
    accountType: 'organization',
  };
};

/** True when the token was granted a scope that lets it read administered organizations. */
export const canAdminOrganizations = (scopes: readonly string[]): boolean =>
  ORGANIZATION_ADMIN_SCOPES.some((s) => scopes.includes(s));

/** Builds the accounts client. */
export const createAccountsClient = (ctx: CallContext): AccountsClient => ({
  async list(input: TokenInput) {
    const token = input.tokens.accessToken;
    const member = await readMember(ctx, token);
    if (!canAdminOrganizations(input.tokens.scopes)) return [member];
    const ids = await administeredOrganizationIds(ctx, token);
    const orgs = await Promise.all(ids.map((id) => readOrganization(ctx, token, id)));
    return [member, ...orgs];
  },
});
