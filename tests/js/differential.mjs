// The differential check: the same requests through @clerk/backend's authenticateRequest
// and through this SDK (examples/js_differential/, whose decisions come in the file named
// by the first argument) must be decided alike: which cookie family is read (spec §1.4),
// what has() answers (spec §4.4), how Cookie headers are parsed and which session token
// and __client_uat they give. The last two go over a socket, as raw bytes, to a node:http
// server that builds the Request from Node's parsed headers (as @clerk/express and other
// Node frameworks do): Node reads header bytes as Latin-1 and joins Cookie headers with '; '.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createClerkClient } from '@clerk/backend';
import { createClerkRequest } from '@clerk/backend/internal';

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

// The node:http server: /parse/<i> answers the cookies Clerk reads for parse case i,
// /source/<i> Clerk's decision on source case i.
const server = http.createServer(async (req, res) => {
  const request = new Request(`http://localhost${req.url}`, { headers: new Headers(Object.entries(req.headers)) });
  const [, kind, i] = req.url.split('/');
  let answer;
  try {
    if (kind === 'parse') {
      const cookies = createClerkRequest(request).cookies;
      answer = cfg.parse_cases[i].names.map((name) => cookies.get(name) ?? null);
    } else {
      answer = outcome(await clerk.authenticateRequest(request, options(cfg.source_cases[i].instance)));
    }
  } catch (e) {
    answer = `threw: ${e.message}`;
  }
  res.end(JSON.stringify(answer));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
// Each header string is bytes, one character (up to U+00FF) per byte.
const send = (path, headers) => new Promise((resolve, reject) => {
  const lines = [`GET ${path} HTTP/1.1`, 'Host: localhost', ...headers.map((h) => `Cookie: ${h}`), 'Connection: close', '', ''];
  const socket = net.connect(server.address().port, '127.0.0.1', () => socket.write(Buffer.from(lines.join('\r\n'), 'latin1')));
  const chunks = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', reject);
  socket.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text.startsWith('HTTP/1.1 200')) return reject(new Error(`${path}: ${text.split('\r\n')[0]}`));
    resolve(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)));
  });
});
const show = (headers) => JSON.stringify(headers).replace(/eyJ[\w-]+(\.|%2E)[\w-]+(\.|%2E)[\w-]+/g, '<token>');

let cookiesRead = 0;
for (const [i, c] of cfg.parse_cases.entries()) {
  const got = await send(`/parse/${i}`, c.headers);
  c.names.forEach((name, j) => {
    if (got[j] !== c.rust[j]) report(`cookie ${JSON.stringify(name)} of ${show(c.headers)}`, got[j], c.rust[j]);
    if (got[j] !== null) cookiesRead++;
  });
}
console.log(`cookie parsing: ${cfg.parse_cases.length} requests, ${cfg.parse_cases.length * 8} lookups (${cookiesRead} found)`);

let sourceSignedIn = 0;
for (const [i, c] of cfg.source_cases.entries()) {
  const got = await send(`/source/${i}`, c.headers);
  if (got !== c.rust) report(`${c.instance} ${show(c.headers)}`, got, c.rust);
  if (got.startsWith('signed-in')) sourceSignedIn++;
}
console.log(`token sources: ${cfg.source_cases.length} requests (${sourceSignedIn} signed in)`);
server.close();

if (failures) { console.log(`${failures} differences`); process.exit(1); }
console.log('no differences');
