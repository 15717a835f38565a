// Drives headless Chromium through examples/server_rendered.rs (issue 14, "a real
// browser"): a signed-out navigation to a `redirect_to_sign_in` page ends on the sign-in
// page; signing in on the stand-in, then the handshake, lands on the page signed in; the
// tab idles past the session token's lifetime; then a fetch() gets 401 (never a
// redirect), a navigation goes through the handshake at the stand-in's Frontend API and
// lands signed in, and a browser holding a refresh cookie is refreshed on the server.
//
// usage: node browser.mjs <app URL> <stand-in URL>   (CHROMIUM: the browser binary)
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';

const [base, fapi] = process.argv.slice(2);
assert.ok(base?.startsWith('http://127.0.0.1:'), `app URL: ${base}`);
assert.ok(fapi?.startsWith('http://127.0.0.1:'), `stand-in URL: ${fapi}`);
const handshakeUrl = `${fapi}/v1/client/handshake?`;
const EXPIRED_NO_REFRESH = 'session-token-expired-refresh-non-eligible-no-refresh-cookie';
// The SDK's default clock skew (CLERK_CLOCK_SKEW_IN_MS): a token counts as expired only
// this long after its `exp`.
const SKEW_MS = 5000;

/** Every hop of a navigation: its request's redirect chain, then the final response. */
function hops(response) {
  assert.ok(response, 'the navigation has a response');
  const chain = response.request().redirectChain().map((r) => ({
    method: r.method(),
    url: r.url(),
    status: r.response()?.status(),
    location: r.response()?.headers().location,
  }));
  chain.push({ method: response.request().method(), url: response.url(), status: response.status() });
  return chain;
}

function param(url, name) {
  return new URL(url).searchParams.get(name);
}

function show(title, chain) {
  console.log(`${title}:`);
  for (const hop of chain) {
    const shown = hop.url.replace(/(__clerk_handshake_nonce|__session|__clerk_db_jwt)=[^&]+/g, '$1=…');
    console.log(`  ${hop.status} ${hop.method} ${shown}`);
  }
}

async function text(page) {
  return page.$eval('#status', (e) => e.textContent);
}

async function cookie(page, prefix) {
  return (await page.cookies(base)).find((c) => c.name === prefix || c.name.startsWith(`${prefix}_`));
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

/** The page's own fetch(): what a page's JavaScript sees. */
async function fetchFromPage(page, path) {
  return page.evaluate(async (path) => {
    const r = await fetch(path);
    return {
      status: r.status,
      redirected: r.redirected,
      url: r.url,
      reason: r.headers.get('x-clerk-auth-reason'),
      body: await r.text(),
    };
  }, path);
}

/**
 * A signed-out browser opens the dashboard (ends on the sign-in page), then signs in
 * (ends on the dashboard, signed in). Returns the page and the user id the sign-in page
 * named.
 */
async function signIn(context, title) {
  const page = await context.newPage();
  const dashboard = `${base}/dashboard`;

  const toSignIn = hops(await page.goto(dashboard));
  show(`${title}: signed out, GET /dashboard`, toSignIn);
  // First visit on a development instance: a handshake for a development browser, the
  // stand-in (no `__client` yet) answers signed out, the SDK resolves it, then
  // `redirect_to_sign_in` sends the browser to the sign-in URL.
  assert.deepEqual(toSignIn.map((h) => h.status), [307, 307, 307, 307, 200]);
  assert.ok(toSignIn[1].url.startsWith(handshakeUrl), toSignIn[1].url);
  assert.equal(param(toSignIn[1].url, '__clerk_hs_reason'), 'dev-browser-missing');
  assert.equal(param(toSignIn[1].url, 'redirect_url'), dashboard);
  assert.ok(param(toSignIn[2].url, '__clerk_handshake_nonce'), toSignIn[2].url);
  assert.equal(toSignIn[3].url, dashboard);
  const signInUrl = `${base}/sign-in?redirect_url=${encodeURIComponent(dashboard)}`;
  assert.equal(page.url(), signInUrl);
  assert.equal(await text(page), 'Sign in');
  assert.equal(await cookie(page, '__session'), undefined);

  const button = await page.$eval('#sign-in', (e) => e.textContent);
  const userId = button.match(/\((user_[^)]+)\)/)?.[1];
  assert.ok(userId, button);

  // Signing in on the stand-in gives the browser its `__client` cookie; the next
  // navigation (no session token yet) goes through the handshake, where the stand-in
  // knows the browser and mints a session token.
  const [signedIn] = await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  const toDashboard = hops(signedIn);
  show(`${title}: sign in, then the handshake`, toDashboard);
  assert.deepEqual(toDashboard.map((h) => h.status), [303, 307, 307, 307, 200]);
  assert.equal(toDashboard[0].method, 'POST');
  assert.ok(toDashboard[2].url.startsWith(handshakeUrl), toDashboard[2].url);
  assert.equal(param(toDashboard[2].url, '__clerk_hs_reason'), 'client-uat-but-no-session-token');
  assert.equal(page.url(), dashboard);
  assert.equal(await text(page), `Dashboard of ${userId}`);
  const session = await cookie(page, '__session');
  assert.equal(claims(session.value).sub, userId);
  return { page, userId, session: session.value };
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // Chromium's new headless mode (`--headless=new`); no sandbox as root in a container.
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  console.log(`Chromium ${await browser.version()}`);
  // Two browsers (separate cookie jars), signed in together so that one idle covers both:
  // `handshake` loses its refresh cookie (the handshake path), `refresh` keeps it.
  const handshake = await signIn(await browser.createBrowserContext(), 'browser 1');
  const refresh = await signIn(await browser.createBrowserContext(), 'browser 2');

  // Before the idle: the page's fetch() is signed in.
  const before = await fetchFromPage(handshake.page, '/api/me');
  assert.equal(before.status, 200, before.body);
  assert.equal(JSON.parse(before.body).user_id, handshake.userId);

  // The tab idles past the session token's lifetime (and the clock skew).
  const expiry = Math.max(claims(handshake.session).exp, claims(refresh.session).exp) * 1000;
  const idle = Math.max(0, expiry + SKEW_MS + 1500 - Date.now());
  console.log(`idle ${Math.round(idle / 1000)} s, past the session tokens' exp (${claims(handshake.session).exp - claims(handshake.session).iat} s lifetime)`);
  await new Promise((resolve) => setTimeout(resolve, idle));

  // Browser 1 without its refresh cookie: the expired `__session` cannot be refreshed
  // on the server.
  const refreshCookie = await cookie(handshake.page, '__refresh');
  assert.ok(refreshCookie, 'the handshake set a refresh cookie');
  await handshake.page.deleteCookie({ name: refreshCookie.name, url: base });
  assert.equal((await cookie(handshake.page, '__session')).value, handshake.session);

  // fetch() with the expired cookie: 401, not a redirect.
  const api = await fetchFromPage(handshake.page, '/api/me');
  console.log(`browser 1: fetch('/api/me') with the expired cookie: ${api.status} redirected=${api.redirected} x-clerk-auth-reason=${api.reason}`);
  assert.equal(api.status, 401);
  assert.equal(api.redirected, false);
  assert.equal(api.url, `${base}/api/me`);
  assert.equal(api.reason, EXPIRED_NO_REFRESH);

  // A navigation (a link on the page): the handshake through the stand-in's Frontend
  // API, back with a nonce, resolved by the SDK, and the page rendered signed in.
  const [back] = await Promise.all([
    handshake.page.waitForNavigation(),
    handshake.page.click('a[href="/"]'),
  ]);
  const afterIdle = hops(back);
  show('browser 1: after the idle, click to /', afterIdle);
  assert.deepEqual(afterIdle.map((h) => h.status), [307, 307, 307, 200]);
  assert.ok(afterIdle[1].url.startsWith(handshakeUrl), afterIdle[1].url);
  assert.equal(param(afterIdle[1].url, '__clerk_hs_reason'), EXPIRED_NO_REFRESH);
  assert.equal(param(afterIdle[1].url, '__session'), handshake.session);
  assert.equal(param(afterIdle[1].url, 'redirect_url'), `${base}/`);
  assert.ok(param(afterIdle[2].url, '__clerk_handshake_nonce'), afterIdle[2].url);
  assert.ok(afterIdle[2].url.startsWith(`${base}/?`), afterIdle[2].url);
  assert.equal(handshake.page.url(), `${base}/`);
  assert.equal(await text(handshake.page), `Signed in as ${handshake.userId}`);
  const renewed = (await cookie(handshake.page, '__session')).value;
  assert.notEqual(renewed, handshake.session);
  assert.ok(claims(renewed).exp * 1000 > Date.now(), 'a fresh session token');
  assert.equal(claims(renewed).sid, claims(handshake.session).sid);
  const again = await fetchFromPage(handshake.page, '/api/me');
  assert.equal(again.status, 200, again.body);

  // Browser 2 kept its refresh cookie: the navigation is refreshed on the server, no
  // redirect at all.
  const reloaded = hops(await refresh.page.reload());
  show('browser 2 (refresh cookie): after the idle, reload /dashboard', reloaded);
  assert.deepEqual(reloaded.map((h) => h.status), [200]);
  assert.equal(refresh.page.url(), `${base}/dashboard`);
  assert.equal(await text(refresh.page), `Dashboard of ${refresh.userId}`);
  const refreshed = (await cookie(refresh.page, '__session')).value;
  assert.notEqual(refreshed, refresh.session);
  assert.ok(claims(refreshed).exp * 1000 > Date.now(), 'a refreshed session token');

  console.log('browser: ok');
} finally {
  await browser.close();
}
