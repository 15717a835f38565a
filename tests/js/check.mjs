import { isDeepStrictEqual } from 'node:util';
import { createClerkClient, verifyToken } from '@clerk/backend';
const cfg = JSON.parse(process.argv[2]);
const clerk = createClerkClient({ secretKey: cfg.secret_key, apiUrl: cfg.api_url, publishableKey: cfg.publishable_key });
let failures = 0;
const step = async (name, f, expected) => {
  try {
    const got = await f();
    const ok = expected === undefined || isDeepStrictEqual(got, expected);
    if (!ok) failures++;
    console.log(ok ? 'ok  ' : 'BAD ', name, JSON.stringify(got).slice(0, 160), ok ? '' : `(expected ${JSON.stringify(expected)})`);
  } catch (e) {
    failures++;
    console.log('ERR ', name, e.status, JSON.stringify(e.errors ?? e.message).slice(0, 300));
  }
};
let user, inv, org;
await step('createUser', async () => (user = await clerk.users.createUser({ emailAddress: ['ada@example.com'], firstName: 'Ada', password: 'correct-horse-battery' })).id);
await step('getUser', async () => (await clerk.users.getUser(user.id)).emailAddresses[0].emailAddress, "ada@example.com");
await step('getUserList', async () => { const r = await clerk.users.getUserList({ emailAddress: ['ada@example.com'], orderBy: '-created_at', limit: 10 }); return [r.totalCount, r.data.length]; }, [1,1]);
await step('getCount', async () => await clerk.users.getCount(), 1);
await step('updateUser', async () => (await clerk.users.updateUser(user.id, { lastName: 'Lovelace' })).lastName, "Lovelace");
await step('updateUserMetadata', async () => (await clerk.users.updateUserMetadata(user.id, { publicMetadata: { role: 'admin', nested: { a: 1 } } })).publicMetadata, { role: "admin", nested: { a: 1 } });
await step('verifyPassword', async () => await clerk.users.verifyPassword({ userId: user.id, password: 'correct-horse-battery' }), { verified: true });
await step('banUser', async () => (await clerk.users.banUser(user.id)).banned, true);
await step('unbanUser', async () => (await clerk.users.unbanUser(user.id)).banned, false);
await step('lockUser', async () => (await clerk.users.lockUser(user.id)).locked, true);
await step('createInvitation', async () => (inv = await clerk.invitations.createInvitation({ emailAddress: 'bob@example.com', redirectUrl: 'https://x.test', notify: false })).status, "pending");
await step('getInvitationList', async () => { const r = await clerk.invitations.getInvitationList(); return [r.totalCount, r.data.length]; }, [1,1]);
await step('revokeInvitation', async () => (await clerk.invitations.revokeInvitation(inv.id)).status, "revoked");
await step('allowlist create', async () => (await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'carol@example.com', notify: false })).identifier, "carol@example.com");
await step('allowlist list', async () => { const r = await clerk.allowlistIdentifiers.getAllowlistIdentifierList(); return [r.totalCount, r.data.length]; }, [1,1]);
// Both wildcard forms Clerk's docs give for a whole email domain.
await step('allowlist *.domain', async () => { const a = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '*.example.com', notify: false }); return [a.identifier, a.identifierType]; }, ['*.example.com', 'email_address']);
await step('allowlist *@domain', async () => { const a = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '*@example.org', notify: false }); return [a.identifier, a.identifierType]; }, ['*@example.org', 'email_address']);
await step('allowlist not a domain', async () => { try { await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: '*.com', notify: false }); return 'created'; } catch (e) { return [e.status, e.errors[0].code]; } }, [422, 'form_param_format_invalid']);
await step('createOrganization', async () => (org = await clerk.organizations.createOrganization({ name: 'Acme Inc', createdBy: user.id })).slug, "acme-inc");
await step('getOrganization', async () => (await clerk.organizations.getOrganization({ slug: org.slug })).id === org.id, true);
await step('getOrganizationList', async () => { const r = await clerk.organizations.getOrganizationList(); return [r.totalCount, r.data.length]; }, [1,1]);
await step('getOrganizationMembershipList', async () => { const r = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id }); return [r.totalCount, r.data[0]?.role, r.data[0]?.publicUserData?.userId === user.id]; }, [1, 'org:admin', true]);
await step('getSessionList', async () => { const r = await clerk.sessions.getSessionList({ userId: user.id }); return [r.totalCount, r.data.length]; }, [0,0]);
await step('jwks', async () => (await clerk.jwks.getJwks()).keys.length, 1);
await step('verifyToken (JWKS)', async () => (await verifyToken(cfg.session_token, { secretKey: cfg.secret_key, apiUrl: cfg.api_url })).sub, "user_mock");
// Machine tokens: a revoked or expired one must not authenticate through Clerk's client
// (which reads no flag of a 200 answer: the stand-in must refuse them as Clerk does, 404).
const mt = cfg.machine_tokens;
const refusal = async (f) => { try { await f(); return 'accepted'; } catch (e) { return [e.status, e.errors?.[0]?.code]; } };
const viaRequest = async (token, acceptsToken) => { const s = await clerk.authenticateRequest(new Request('http://localhost/api', { headers: { authorization: `Bearer ${token}` } }), { acceptsToken }); return [s.isAuthenticated, s.reason ?? null]; };
await step('apiKeys.verify live', async () => (await clerk.apiKeys.verify(mt.api_key)).subject, 'user_mock');
await step('apiKeys.verify revoked', async () => refusal(() => clerk.apiKeys.verify(mt.revoked_api_key)), [404, 'resource_not_found']);
await step('apiKeys.verify expired', async () => refusal(() => clerk.apiKeys.verify(mt.expired_api_key)), [404, 'resource_not_found']);
await step('m2m.verify live', async () => (await clerk.m2m.verify({ token: mt.m2m_token })).subject, 'mch_mock');
await step('m2m.verify revoked', async () => refusal(() => clerk.m2m.verify({ token: mt.revoked_m2m_token })), [404, 'resource_not_found']);
await step('idPOAuthAccessToken.verify live', async () => (await clerk.idPOAuthAccessToken.verify(mt.oauth_token)).subject, 'user_mock');
await step('idPOAuthAccessToken.verify revoked', async () => refusal(() => clerk.idPOAuthAccessToken.verify(mt.revoked_oauth_token)), [404, 'resource_not_found']);
await step('authenticateRequest live API key', async () => viaRequest(mt.api_key, 'api_key'), [true, null]);
await step('authenticateRequest revoked API key', async () => viaRequest(mt.revoked_api_key, 'api_key'), [false, 'token-invalid']);
await step('authenticateRequest expired API key', async () => viaRequest(mt.expired_api_key, 'api_key'), [false, 'token-invalid']);
await step('authenticateRequest revoked M2M token', async () => viaRequest(mt.revoked_m2m_token, 'm2m_token'), [false, 'token-invalid']);
await step('authenticateRequest revoked OAuth token', async () => viaRequest(mt.revoked_oauth_token, 'oauth_token'), [false, 'token-invalid']);
await step('createTestingToken', async () => typeof (await clerk.testingTokens.createTestingToken()).token, "string");
await step('deleteUser', async () => (await clerk.users.deleteUser(user.id)).deleted, true);
await step('getUser 404', async () => { try { await clerk.users.getUser(user.id); return 'found'; } catch (e) { return [e.status, e.errors[0].code]; } }, [404, 'resource_not_found']);
if (failures) { console.log(`${failures} checks failed`); process.exit(1); }
console.log('all checks passed');
