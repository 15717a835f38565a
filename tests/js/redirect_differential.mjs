// The differential check of `redirect_to_sign_in`: for every request of the generated corpus
// (examples/js_differential/redirect.rs), the URL `Clerk::sign_in_redirect_url` answers must
// be, as a string, the one @clerk/backend 3.25's createRedirect(...).redirectToSignIn()
// builds, called as @clerk/nextjs's auth() calls it (baseUrl and returnBackUrl: the
// request's clerkUrl; devBrowserToken: the `__clerk_db_jwt` query parameter of clerkUrl,
// else the plain cookie), plus the session status and isSatellite. Where the package throws,
// the SDK must answer nothing. Differences only in parameter order or encoding are counted
// apart (they still fail the check).
// The argument is the JSON file written by examples/js_differential.
import { readFileSync } from 'node:fs';
import { createClerkRequest, createRedirect } from '@clerk/backend/internal';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { cases, skipped } = cfg.redirect;

function decide(c) {
  const headers = new Headers();
  let host = 'localhost';
  for (const [k, v] of c.headers) {
    headers.append(k, v);
    if (k === 'host') host = v;
  }
  // As @clerk/express builds the URL: the path against the Host (spec §1.1).
  const request = new Request(new URL(c.path, `http://${host}`), { headers });
  const clerkRequest = createClerkRequest(request);
  const clerkUrl = clerkRequest.clerkUrl.toString();
  const devBrowserToken =
    clerkRequest.clerkUrl.searchParams.get('__clerk_db_jwt') || clerkRequest.cookies.get('__clerk_db_jwt');
  try {
    return createRedirect({
      redirectAdapter: (url) => url,
      baseUrl: clerkUrl,
      publishableKey: c.config.publishable_key ?? undefined,
      signInUrl: c.config.sign_in_url ?? undefined,
      devBrowserToken,
      sessionStatus: c.pending ? 'pending' : undefined,
      isSatellite: c.config.is_satellite,
    }).redirectToSignIn({ returnBackUrl: clerkUrl });
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
}

// The URL as origin, path, fragment and the sorted, decoded parameters.
const loose = (u) => {
  try {
    const url = new URL(u);
    const params = [...url.searchParams].map(([k, v]) => `${k}=${v}`).sort();
    return `${url.origin}${url.pathname}${url.hash} ${JSON.stringify(params)}`;
  } catch {
    return `unparsable ${u}`;
  }
};

let exact = 0;
let reordered = 0;
let different = 0;
const tally = { url: 0, none: 0 };
const limit = Number(process.env.DIFF_LIMIT ?? 25) || Infinity;
for (const c of cases) {
  const js = decide(c);
  const rs = c.rust;
  const jsUrl = typeof js === 'string' ? js : null;
  tally[jsUrl == null ? 'none' : 'url']++;
  if (jsUrl === rs) {
    exact++;
    continue;
  }
  const onlyOrder = jsUrl != null && rs != null && loose(jsUrl) === loose(rs);
  if (onlyOrder) reordered++;
  else different++;
  if (reordered + different <= limit) {
    console.log(onlyOrder ? 'ORDER' : 'BAD  ', JSON.stringify(c.config), c.pending ? 'pending' : '', c.path, JSON.stringify(c.headers));
    console.log('      clerk:', JSON.stringify(js));
    console.log('      sdk:  ', JSON.stringify(rs));
  }
}
console.log(`redirect_to_sign_in: ${cases.length} requests (${tally.url} redirects, ${tally.none} without one), ` +
  `${skipped.length} instances ClerkBuilder refuses`);
for (const s of skipped) console.log(`  skipped ${JSON.stringify(s.config)}: ${s.error}`);
if (reordered || different) {
  console.log(`${reordered + different} differences (${reordered} only in parameter order or encoding)`);
  process.exit(1);
}
console.log('no differences');
