// The differential check of the handshake ladder: every request of the generated corpus
// (examples/js_differential/handshake.rs) decided by @clerk/backend 3.25's
// authenticateRequest, with the stand-in as its Backend API, must be decided as this SDK
// decided it: same status and reason (or both throwing), same Location (compared as URL
// plus parameter multiset), same Set-Cookie names and values (names only where each side
// minted its own tokens: a nonce exchange, a refresh), same Cache-Control, CORS pair and
// x-clerk-auth-* headers.
// The argument is the JSON file written by examples/js_differential.rs.
import { readFileSync } from 'node:fs';
import { createClerkClient } from '@clerk/backend';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const hs = cfg.handshake;
// The package logs what it falls back from (a failed nonce exchange, a bad handshake
// token, the loop guard): not this check's output.
console.error = () => {};
const clerk = createClerkClient({ secretKey: cfg.secret_key, apiUrl: cfg.api_url });

// A nonce of the stand-in's Frontend API for the signed-in browser (each side mints its
// own: a nonce is single-use).
async function mintNonce() {
  const url = `${hs.frontend_api}/v1/client/handshake?redirect_url=http%3A%2F%2Fapp.test%2Fp&format=nonce&suffixed_cookies=false`;
  const res = await fetch(url, { headers: { cookie: hs.client_cookie }, redirect: 'manual' });
  return new URL(res.headers.get('location')).searchParams.get('__clerk_handshake_nonce');
}

// Each side exchanged its own nonce: the one kept in a `redirect_url` is not compared.
const urlKey = (u) => {
  if (u == null) return null;
  u = u.replace(/(__clerk_handshake_nonce(=|%3D|%253D))[\w-]+/g, '$1*');
  try {
    const url = new URL(u);
    const params = [...url.searchParams].map(([k, v]) => `${k}=${v}`).sort();
    return `${url.origin}${url.pathname} ${JSON.stringify(params)}`;
  } catch {
    return `unparsable ${u}`;
  }
};

async function decide(c) {
  const nonce = JSON.stringify(c).includes('{NONCE}') ? await mintNonce() : null;
  const fill = (s) => (nonce ? s.replaceAll('{NONCE}', nonce) : s);
  const headers = new Headers();
  let host = 'localhost';
  for (const [k, v] of c.headers) {
    headers.append(k, fill(v));
    if (k === 'host') host = v;
  }
  // As @clerk/express builds the URL: the path against the Host (spec §1.1).
  const url = new URL(fill(c.path), `http://${host}`).href;
  const options = { secretKey: cfg.secret_key, jwtKey: cfg.jwt_key, apiUrl: cfg.api_url,
    publishableKey: cfg.publishable_keys[c.live ? 'live' : 'dev'], ...c.options };
  try {
    const state = await clerk.authenticateRequest(new Request(url, { method: c.method, headers }), options);
    const h = state.headers;
    return {
      status: state.status,
      reason: state.reason ?? null,
      location: h.get('location'),
      cache_control: h.get('cache-control'),
      cors: [h.get('access-control-allow-origin'), h.get('access-control-allow-credentials')],
      auth_status: h.get('x-clerk-auth-status'),
      auth_reason: h.get('x-clerk-auth-reason'),
      auth_message: h.get('x-clerk-auth-message'),
      set_cookies: h.getSetCookie(),
    };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
}

let failures = 0;
const tally = {};
// How many differences are printed (all of them with DIFF_LIMIT=0).
const limit = Number(process.env.DIFF_LIMIT ?? 25) || Infinity;
const shorten = (s) => String(s).replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '<jwt>');
for (const c of hs.cases) {
  const js = await decide(c);
  const rs = c.rust;
  const diffs = [];
  if ('error' in js || 'error' in rs) {
    if (js.error !== rs.error) diffs.push(['error', js.error, rs.error]);
  } else {
    // The two sides run seconds apart: a message's "Current date" is not compared.
    const now = (m) => (m == null ? null : m.replace(/Current date: [^;.]*/g, 'Current date: *'));
    for (const k of ['status', 'reason', 'cache_control', 'auth_status', 'auth_reason']) {
      if ((js[k] ?? null) !== (rs[k] ?? null)) diffs.push([k, js[k], rs[k]]);
    }
    if (now(js.auth_message) !== now(rs.auth_message)) diffs.push(['auth_message', js.auth_message, rs.auth_message]);
    if (JSON.stringify(js.cors) !== JSON.stringify(rs.cors)) diffs.push(['cors', js.cors, rs.cors]);
    if (urlKey(js.location) !== urlKey(rs.location)) diffs.push(['location', js.location, rs.location]);
    const cookies = (list) => (c.volatile ? list.map((x) => x.split('=')[0]) : list);
    if (JSON.stringify(cookies(js.set_cookies)) !== JSON.stringify(cookies(rs.set_cookies))) {
      diffs.push(['set-cookie', cookies(js.set_cookies), cookies(rs.set_cookies)]);
    }
  }
  const key = 'error' in js ? 'error' : `${js.status} ${js.reason ?? ''}`.trim();
  tally[key] = (tally[key] ?? 0) + 1;
  if (diffs.length) {
    if (failures++ < limit) {
      console.log('BAD ', c.instance, c.label ?? '', c.method, shorten(c.path), shorten(JSON.stringify(c.headers)));
      for (const [k, j, r] of diffs) console.log('     ', k, 'clerk:', shorten(JSON.stringify(j)), 'sdk:', shorten(JSON.stringify(r)));
    }
  }
}
console.log(`handshake ladder: ${hs.cases.length} requests`);
for (const [k, n] of Object.entries(tally).sort()) console.log(`  ${n}\t${k}`);
if (failures) { console.log(`${failures} differences`); process.exit(1); }
console.log('no differences');
