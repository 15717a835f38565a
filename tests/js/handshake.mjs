// The oracle check of the stand-in's Frontend API: Clerk's own `@clerk/backend` 3.25
// `authenticateRequest`, configured with the stand-in as its proxy (Frontend API) and its
// Backend API, runs whole handshake loops against it, as a browser would follow them:
// the package answers a handshake, the browser follows it to the stand-in with its
// `__client` cookie, comes back with a nonce, and the package resolves the nonce at the
// stand-in's Backend API and ends signed in. Also server-side refresh with the refresh
// token the handshake handed out, and the signed-out, legacy-token and organization forms.
// The argument is examples/mock_server.rs's JSON line (its `handshake` instances).
import { createClerkClient } from '@clerk/backend';

const all = JSON.parse(process.argv[2]).handshake;
const APP = 'http://127.0.0.1:3000';

let failures = 0;
const check = (name, ok, detail = '') => {
  if (!ok) failures++;
  console.log(ok ? 'ok  ' : 'BAD ', name, ok ? '' : detail);
};
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const cookieName = (setCookie) => setCookie.split('=')[0];
const cookieValue = (setCookies, name) => {
  const found = setCookies.filter((c) => cookieName(c) === name).pop();
  return found?.split(';')[0].slice(name.length + 1);
};

// The browser's cookies for 127.0.0.1 (cookies ignore ports: the app and the stand-in
// share them), with Max-Age and Expires honoured.
class Jar {
  constructor(cookies = {}) {
    this.cookies = new Map(Object.entries(cookies).map(([k, v]) => [k, { value: v, expires: Infinity }]));
  }
  apply(setCookies) {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      let expires = Infinity;
      for (const a of attributes) {
        const [k, v] = [a.split('=')[0].toLowerCase(), a.slice(a.indexOf('=') + 1)];
        if (k === 'max-age') expires = Date.now() + Number(v) * 1000;
        if (k === 'expires' && !attributes.some((x) => x.toLowerCase().startsWith('max-age'))) expires = Date.parse(v);
      }
      if (expires <= Date.now()) this.cookies.delete(name);
      else this.cookies.set(name, { value, expires });
    }
  }
  header() {
    return [...this.cookies].filter(([, c]) => c.expires > Date.now()).map(([k, c]) => `${k}=${c.value}`).join('; ');
  }
  get(name) {
    return this.cookies.get(name)?.value;
  }
}

// A request of the browser to the app, decided by the official package.
async function visit(inst, url, { cookie = '', navigation = true, options = {} } = {}) {
  const headers = { host: '127.0.0.1:3000', accept: navigation ? 'text/html' : '*/*' };
  if (navigation) headers['sec-fetch-dest'] = 'document';
  if (cookie) headers.cookie = cookie;
  const clerk = createClerkClient({ secretKey: inst.secret_key, publishableKey: inst.publishable_key, apiUrl: inst.api_url });
  return clerk.authenticateRequest(new Request(url, { headers }), { proxyUrl: inst.frontend_api_url, ...options });
}

// Follows the package's handshake redirect to the stand-in, as the browser would; returns
// where the stand-in sends the browser back (the jar takes both answers' cookies).
async function followHandshake(inst, state, jar, name, rewrite = (u) => u) {
  const location = state.headers.get('location') ?? '';
  check(`${name}: handshake goes to the stand-in's Frontend API`, location.startsWith(`${inst.frontend_api_url}/v1/client/handshake?`), location);
  jar.apply(state.headers.getSetCookie());
  const answer = await fetch(rewrite(location), { redirect: 'manual', headers: { cookie: jar.header() } });
  check(`${name}: the stand-in redirects back (307)`, answer.status === 307, `${answer.status} ${await answer.text()}`);
  jar.apply(answer.headers.getSetCookie());
  return answer.headers.get('location') ?? '';
}

const signedInAs = (inst, state) =>
  state.status === 'signed-in' && state.toAuth().userId === inst.user_id && state.toAuth().sessionId === inst.session_id;
const describe = (state) => `${state.status} ${state.reason ?? ''} ${JSON.stringify([...state.headers])}`;

// One instance's loops; an exception (say, a missing redirect) fails the instance.
async function loops(kind, inst) {
  const dev = kind === 'development';
  const sfx = inst.cookie_suffix;
  const expired = inst.expired_session_token;
  const expiredIat = claims(expired).iat;
  const clientCookie = inst.client_cookie.slice('__client='.length);
  const page = `${APP}/dashboard?tab=1`;

  // 1. An idle tab: expired `__session`, no refresh cookie; a development browser sends
  //    none either at first (`dev-browser-missing` comes first on development).
  const jar = new Jar({ __client: clientCookie, __session: expired, __client_uat: String(expiredIat) });
  const first = await visit(inst, page, { cookie: jar.header() });
  const reason = dev ? 'dev-browser-missing' : 'session-token-expired-refresh-non-eligible-no-refresh-cookie';
  check(`${kind} loop: the package asks for a handshake (${reason})`, first.status === 'handshake' && first.reason === reason, describe(first));
  const back = await followHandshake(inst, first, jar, `${kind} loop`);
  const nonce = dev ? new URL(back).searchParams.get('__clerk_handshake_nonce') : jar.get('__clerk_handshake_nonce');
  if (dev) {
    check(`${kind} loop: nonce in the query`, back === `${page}&__clerk_handshake_nonce=${nonce}`, back);
  } else {
    check(`${kind} loop: back to the page unchanged, nonce in a cookie`, back === page && !!nonce, back);
  }
  const resolved = await visit(inst, back, { cookie: jar.header() });
  const setCookies = resolved.headers.getSetCookie();
  check(`${kind} loop: resolved signed in as the browser's user and session`, signedInAs(inst, resolved), describe(resolved));
  if (dev) {
    check(`${kind} loop: clean-URL 307 with no-store`, resolved.headers.get('location') === page && resolved.headers.get('cache-control') === 'no-store', describe(resolved));
  } else {
    check(`${kind} loop: no redirect`, !resolved.headers.get('location'), describe(resolved));
  }
  const expectedNames = ['__client_uat', '__session', ...(dev ? ['__clerk_db_jwt'] : []), `__refresh_${sfx}`, ...(dev ? [] : ['__clerk_handshake_nonce'])];
  check(`${kind} loop: the stand-in's directives as Set-Cookie`, JSON.stringify(setCookies.map(cookieName)) === JSON.stringify(expectedNames), JSON.stringify(setCookies));
  const fresh = cookieValue(setCookies, '__session');
  check(`${kind} loop: a fresh token for the app's origin`, fresh && claims(fresh).exp > Date.now() / 1000 && claims(fresh).azp === APP, fresh);
  jar.apply(setCookies);
  const again = await visit(inst, page, { cookie: jar.header() });
  check(`${kind} loop: the next navigation is signed in, no handshake`, signedInAs(inst, again) && !again.headers.get('location'), describe(again));
  if (!dev) check(`${kind} loop: the nonce cookie was deleted`, jar.get('__clerk_handshake_nonce') === undefined);

  // 2. The nonce is single-use: replayed, the package gets a 404 and signs out.
  const logged = [];
  const consoleError = console.error;
  console.error = (...args) => logged.push(args);
  const replay = dev
    ? await visit(inst, back, { cookie: jar.header() })
    : await visit(inst, page, { cookie: `${jar.header()}; __clerk_handshake_nonce=${nonce}` });
  console.error = consoleError;
  check(`${kind} replay: a used nonce signs out (session-token-missing)`, replay.status === 'signed-out' && replay.reason === 'session-token-missing', describe(replay));
  check(`${kind} replay: the exchange got the stand-in's 404`, logged.some((args) => args[1]?.status === 404 && args[1]?.errors?.[0]?.code === 'resource_not_found'), JSON.stringify(logged));

  // 3. Server-side refresh with the refresh token of the handshake: an expired session
  //    token on any GET is signed in with the stand-in's cookies, without a redirect.
  const refreshToken = jar.get(`__refresh_${sfx}`);
  const devBrowser = dev ? `; __clerk_db_jwt=${jar.get('__clerk_db_jwt')}` : '';
  for (const navigation of [false, true]) {
    const refreshed = await visit(inst, page, {
      navigation,
      cookie: `__session=${expired}; __client_uat=${expiredIat}; __refresh_${sfx}=${refreshToken}${devBrowser}`,
    });
    const cookies = refreshed.headers.getSetCookie();
    check(`${kind} refresh (${navigation ? 'navigation' : 'fetch'}): signed in with the refreshed cookies`,
      signedInAs(inst, refreshed) && !refreshed.headers.get('location') && cookies.map(cookieName).join() === '__client_uat,__session'
        && cookieValue(cookies, '__session') !== expired,
      describe(refreshed));
  }
  const refused = await visit(inst, page, { navigation: false, cookie: `__session=${expired}; __client_uat=${expiredIat}; __refresh_${sfx}=not-a-refresh-token${devBrowser}` });
  check(`${kind} refresh: an unknown refresh token is the stand-in's 401 code`,
    refused.status === 'signed-out' && refused.reason === 'session-token-expired-refresh-authentication_invalid', describe(refused));

  // 4. Suffixed cookies: the package asks for them, the stand-in sets them, refresh too.
  const suffixedJar = new Jar({ __client: clientCookie, [`__session_${sfx}`]: expired, [`__client_uat_${sfx}`]: String(expiredIat), ...(dev ? { [`__clerk_db_jwt_${sfx}`]: jar.get('__clerk_db_jwt') } : {}) });
  const suffixedFirst = await visit(inst, page, { cookie: suffixedJar.header() });
  check(`${kind} suffixed: handshake with suffixed_cookies=true`, new URL(suffixedFirst.headers.get('location') ?? 'http://x').searchParams.get('suffixed_cookies') === 'true', describe(suffixedFirst));
  const suffixedBack = await followHandshake(inst, suffixedFirst, suffixedJar, `${kind} suffixed`);
  const suffixedResolved = await visit(inst, suffixedBack, { cookie: suffixedJar.header() });
  check(`${kind} suffixed: signed in, __session_${sfx} set`, signedInAs(inst, suffixedResolved) && suffixedResolved.headers.getSetCookie().some((c) => c.startsWith(`__session_${sfx}=`)), describe(suffixedResolved));
  suffixedJar.apply(suffixedResolved.headers.getSetCookie());
  const suffixedAgain = await visit(inst, page, { cookie: suffixedJar.header() });
  check(`${kind} suffixed: the next navigation is signed in`, signedInAs(inst, suffixedAgain) && !suffixedAgain.headers.get('location'), describe(suffixedAgain));
  const suffixedRefresh = await visit(inst, page, { navigation: false, cookie: `__session_${sfx}=${expired}; __client_uat_${sfx}=${expiredIat}; __refresh_${sfx}=${refreshToken}${dev ? `; __clerk_db_jwt_${sfx}=${jar.get('__clerk_db_jwt')}` : ''}` });
  check(`${kind} suffixed: refresh answers __session_${sfx}`, signedInAs(inst, suffixedRefresh) && suffixedRefresh.headers.getSetCookie().some((c) => c.startsWith(`__session_${sfx}=`)), describe(suffixedRefresh));

  // 5. Organization sync: a page of the organization activates it through the handshake.
  const orgPage = `${APP}/orgs/${inst.organization.slug}/settings`;
  const options = { organizationSyncOptions: { organizationPatterns: ['/orgs/:slug', '/orgs/:slug/(.*)'] } };
  const orgJar = new Jar(Object.fromEntries([...jar.cookies].map(([k, c]) => [k, c.value])));
  const orgFirst = await visit(inst, orgPage, { cookie: orgJar.header(), options });
  check(`${kind} organization: handshake (active-organization-mismatch)`, orgFirst.status === 'handshake' && orgFirst.reason === 'active-organization-mismatch', describe(orgFirst));
  const orgBack = await followHandshake(inst, orgFirst, orgJar, `${kind} organization`);
  const orgResolved = await visit(inst, orgBack, { cookie: orgJar.header(), options });
  const auth = orgResolved.toAuth?.() ?? {};
  check(`${kind} organization: signed in with ${inst.organization.slug} active`,
    signedInAs(inst, orgResolved) && auth.orgId === inst.organization.id && auth.orgSlug === inst.organization.slug && auth.orgRole === 'org:admin', describe(orgResolved));

  // 6. The legacy form (no `format`): directives in a `__clerk_handshake` JWT the package
  //    verifies with the instance's keys.
  const legacyJar = new Jar({ __client: clientCookie, __session: expired, __client_uat: String(expiredIat), ...(dev ? { __clerk_db_jwt: jar.get('__clerk_db_jwt') } : {}) });
  const legacyFirst = await visit(inst, page, { cookie: legacyJar.header() });
  const withoutFormat = (u) => { const url = new URL(u); url.searchParams.delete('format'); return url.toString(); };
  const legacyBack = await followHandshake(inst, legacyFirst, legacyJar, `${kind} legacy`, withoutFormat);
  check(`${kind} legacy: handshake token ${dev ? 'in the query' : 'in a cookie'}`, dev ? new URL(legacyBack).searchParams.has('__clerk_handshake') : !!legacyJar.get('__clerk_handshake'), legacyBack);
  const legacyResolved = await visit(inst, legacyBack, { cookie: legacyJar.header() });
  check(`${kind} legacy: signed in`, signedInAs(inst, legacyResolved), describe(legacyResolved));

  // 7. A browser the stand-in does not know: signed-out directives, and no loop.
  const anonymous = new Jar();
  const outFirst = await visit(inst, page, { cookie: dev ? '' : `__client_uat=${expiredIat}` });
  const outBack = await followHandshake(inst, outFirst, anonymous, `${kind} signed out`);
  const outResolved = await visit(inst, outBack, { cookie: anonymous.header() });
  check(`${kind} signed out: session-token-missing`, outResolved.status === 'signed-out' && outResolved.reason === 'session-token-missing', describe(outResolved));
  anonymous.apply(outResolved.headers.getSetCookie());
  const outAgain = await visit(inst, page, { cookie: anonymous.header() });
  check(`${kind} signed out: then signed out without a handshake`, outAgain.status === 'signed-out' && outAgain.reason === 'session-token-and-uat-missing', describe(outAgain));
}

for (const [kind, inst] of Object.entries(all)) {
  try {
    await loops(kind, inst);
  } catch (e) {
    check(`${kind}: the loops ran to the end`, false, e.stack);
  }
}

if (failures) { console.log(`${failures} handshake checks failed`); process.exit(1); }
console.log('all handshake checks passed');
