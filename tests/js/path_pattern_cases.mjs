// Expected results of organization sync's path patterns, decided by @clerk/shared's
// `match` (path-to-regexp v6) as @clerk/backend 3.25's OrganizationMatcher uses it. The
// output is the table of clerk-runtime/src/frontend/path_pattern/tests.rs (`CASES`):
// `node path_pattern_cases.mjs` after `npm ci`. Each case: the pattern list, and either the
// package's error message or, for each path, its params (false: no match).
import { match } from '@clerk/shared/pathToRegexp';

const cases = [
  [['/orgs/:slug'], ['/orgs/acme', '/ORGS/Acme/', '/orgs/acme//', '/orgs/acme/x', '/orgs/', '/orgs', '/orgs/a%20b', '/x/orgs/acme']],
  [['/orgs/:slug', '/orgs/:slug/(.*)'], ['/orgs/acme/settings/members', '/orgs/acme', '/orgs/acme/']],
  [['/orgs/:id', '/o/:slug(.*)'], ['/o/', '/o/a/b', '/orgs/org_123', '/orgs/org_123/x']],
  [['/orgs/:slug{/:rest}*'], ['/orgs/acme', '/orgs/acme/a/b', '/orgs/acme/a/b/']],
  [['/organization/:id?'], ['/organization', '/organization/', '/organization/org_1', '/organizations']],
  [['/x/:id+'], ['/x/a/b', '/x/a', '/x', '/x/']],
  [['/x/:id*'], ['/x', '/x/', '/x/a', '/x/a/b/c']],
  [['/:a.:b'], ['/x.y.z', '/x.y', '/x']],
  [['/:a-:b'], ['/x-y-z', '/X-Y', '/xy']],
  [['/:a{x:b}'], ['/1x2', '/1X2', '/x2']],
  [['/(a|b)'], ['/a', '/B', '/c']],
  [['/orgs/:slug([a-z0-9-]+)'], ['/orgs/Acme-1', '/orgs/ac_me', '/orgs/-']],
  [['/orgs/:id(org_\\w+)'], ['/orgs/org_2abc', '/orgs/ORG_2abc', '/orgs/xyz', '/orgs/org_']],
  [['/orgs/:slug(\\d{2,3})'], ['/orgs/12', '/orgs/1234', '/orgs/1']],
  [['/orgs/:slug(\\d{2,}?)/x'], ['/orgs/123/x']],
  [['/orgs/:slug', '/orgs/:id/x'], ['/orgs/a/x', '/orgs/a']],
  [['/a/:id/b/:id'], ['/a/1/b/2']],
  [['/me', '/me/(.*)'], ['/me', '/me/', '/ME/settings', '/mex', '/me/a/b']],
  [['/orgs\\'], ['/orgs', '/orgs/']],
  [['/caf%C3%A9/:slug'], ['/caf%c3%a9/x', '/caf%C3%A9/x']],
  [['{/:slug}?/home'], ['/home', '/acme/home', '/a/b/home']],
  [['/orgs/:slug(.*)'], ['/orgs/', '/orgs/a/b', '/orgs']],
  [['/:slug\\.json'], ['/x.json', '/xjson', '/x.JSON']],
  [['/orgs/:slug((?:a|b)+)'], ['/orgs/abab', '/orgs/abc']],
  [['/orgs/:slug(.*)?'], ['/orgs', '/orgs/x/y']],
  [['/files/:rest(.*)'], ['/files/a/b.txt']],
  [['/orgs/:slug([^/]+)/(.*)'], ['/orgs/acme/a/b', '/orgs/acme']],
  [['/p/:id([\\w.-]+)'], ['/p/a.b-c_d', '/p/a!b']],
  [['/p/:id([^\\d])'], ['/p/a', '/p/1']],
  [['/p/:id(\\S+)/:n(\\D)'], ['/p/abc/x', '/p/abc/1']],
  [['/p/\\(x\\)/:id'], ['/p/(x)/1', '/p/x/1']],
  [['/p/:id(a|)'], ['/p/a', '/p/']],
  [['/p{-:id}'], ['/p', '/p-1', '/P-1/']],
  [['/p{-:id}+'], ['/p-1-2']],
  [['/p{.:ext}?'], ['/p', '/p.json']],
  [['/p/:id(.{3})'], ['/p/abc', '/p/ab']],
  [['/p/:id(x\\-y)'], ['/p/x-y']],
  [['/p/(\\d+)/(\\w+)'], ['/p/1/a']],
  // Errors of path-to-regexp.
  [['/:a:b'], []],
  [['/(?<n>a)'], []],
  [['/(['], []],
  [['/x{'], []],
  [['/orgs/:'], []],
  [['/(a(b))'], []],
  [['/()'], []],
  [['/orgs/{/*}?'], []],
  [['/x*'], []],
  [['(\\d+)*'], []],
  [['/ok', '/:a:b'], []],
  [['/x(a\\'], []],
  [['/x}'], []],
];

const out = [];
for (const [patterns, paths] of cases) {
  let m;
  try {
    m = match(patterns);
  } catch (e) {
    out.push({ patterns, error: `Invalid pattern "${patterns}": ${e}` });
    continue;
  }
  out.push({ patterns, results: paths.map((p) => { const r = m(p); return [p, r ? { ...r.params } : false]; }) });
}
console.log(JSON.stringify(out));
