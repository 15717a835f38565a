// The differential check: the same requests through @clerk/backend's authenticateRequest
// and through this SDK (examples/js_differential.rs, whose decisions come in the file named
// by the first argument) must be decided alike: which cookie family is read (spec §1.4)
// and what has() answers (spec §4.4).
import { readFileSync } from 'node:fs';
import { createClerkClient } from '@clerk/backend';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const clerk = createClerkClient({ secretKey: cfg.secret_key });
const options = (instance) => ({ secretKey: cfg.secret_key, jwtKey: cfg.jwt_key, publishableKey: cfg.publishable_keys[instance] });
const outcome = (state) => state.status === 'signed-in' ? `signed-in:${state.toAuth().userId}` : `${state.status}:${state.reason}`;
const request = (headers) => new Request('http://localhost/api', { headers });

let failures = 0;
const report = (what, got, want) => {
  if (failures++ < 20) console.log('BAD ', what, 'clerk:', got, 'sdk:', want);
};

let cookieSignedIn = 0;
for (const c of cfg.cookie_cases) {
  const state = await clerk.authenticateRequest(request({ cookie: c.cookie }), options(c.instance));
  const got = outcome(state);
  if (got !== c.rust) report(`${c.instance} cookie ${c.cookie.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, (t) => `<${JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub}>`)}`, got, c.rust);
  if (got.startsWith('signed-in')) cookieSignedIn++;
}
console.log(`cookie families: ${cfg.cookie_cases.length} requests (${cookieSignedIn} signed in)`);

let queries = 0, granted = 0;
for (const c of cfg.has_cases) {
  const state = await clerk.authenticateRequest(request({ authorization: `Bearer ${c.token}` }), options('dev'));
  if (state.status !== 'signed-in') { report(`token ${JSON.stringify(c.claims)}`, outcome(state), 'signed-in'); continue; }
  const auth = state.toAuth();
  for (const q of c.queries) {
    queries++;
    const got = auth.has(q.query);
    if (got) granted++;
    if (got !== q.rust) report(`has(${JSON.stringify(q.query)}) of ${JSON.stringify(c.claims)}`, got, q.rust);
  }
}
console.log(`has(): ${queries} queries over ${cfg.has_cases.length} tokens (${granted} granted)`);

if (failures) { console.log(`${failures} differences`); process.exit(1); }
console.log('no differences');
