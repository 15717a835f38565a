//! Property tests of `has()` (spec `clerk-auth-semantics.md` §4.1, §4.2, §4.4) against a
//! reference model written from the spec text alone.
//!
//! Each case signs one token whose claims are generated in both claim versions at once
//! (`v` decides which are read): v1 `org_id`/`org_role`/`org_permissions`, v2 `o`
//! (`id`, `rol`, `per`, `fpm` bitmasks of any size), `fea` and `pla` with every scope, entries
//! without a colon, `fva` and `sts`. The token is authenticated through the public request
//! API, and a batch of generated queries (role, permission, feature, plan, reverification,
//! alone or AND-ed, org- or user-scoped) must answer exactly as the model says, on the
//! `Session` and on the `Auth` object (where a pending session is signed out).

mod common;

use std::cell::RefCell;
use std::time::{Duration, UNIX_EPOCH};

use clerk::testing::{MockClerk, MockKey, TokenBuilder};
use clerk::{Clerk, Has, RequestState, Reverification, ReverificationLevel};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};

const T0: i64 = 1_700_000_000;

// ---------------------------------------------------------------------------------------
// Generated claims
// ---------------------------------------------------------------------------------------

/// The v2 `o` claim.
#[derive(Clone, Debug)]
enum OrgClaim {
    Absent,
    /// Not an object: no active organization.
    NotAnObject,
    Object {
        id: Option<String>,
        rol: Option<String>,
        per: Option<String>,
        fpm: Option<String>,
    },
}

/// `org_permissions` (v1).
#[derive(Clone, Debug)]
enum PermissionsClaim {
    Absent,
    NotAnArray(String),
    Array(Vec<String>),
}

#[derive(Clone, Debug)]
struct Claims {
    /// `v`, as JSON text (`None`: absent).
    v: Option<&'static str>,
    org_id: Option<String>,
    org_role: Option<String>,
    org_permissions: PermissionsClaim,
    o: OrgClaim,
    fea: Option<String>,
    pla: Option<String>,
    /// `fva`, as JSON text (`None`: absent).
    fva: Option<String>,
    sts: Option<&'static str>,
}

const FEATURES: &[&str] = &["a", "b", "sso"];
const PERMISSIONS: &[&str] = &["read", "manage", "x"];
const PLANS: &[&str] = &["pro", "team"];

fn opt<T: Clone + std::fmt::Debug + 'static>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![1 => Just(None), 4 => s.prop_map(Some)]
}

fn pick(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(names).prop_map(str::to_owned)
}

/// A `fea`/`pla` claim: comma-separated `scope:name` entries (scopes `o`, `u`, `ou`, `uo`,
/// and ones that name no scope), and entries without a colon.
fn scoped_list(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let entry = prop_oneof![
        6 => (prop::sample::select(&["o", "u", "ou", "uo", "x", ""][..]), pick(names))
            .prop_map(|(scope, name)| format!("{scope}:{name}")),
        1 => pick(names),
        1 => Just("o".to_owned()),
    ];
    prop_oneof![
        8 => prop::collection::vec(entry, 1..=5).prop_map(|e| e.join(",")),
        1 => Just(String::new()),
    ]
}

/// `fpm`: decimal masks, some beyond 64 bits.
fn masks() -> impl Strategy<Value = String> {
    let mask = prop_oneof![
        6 => (0u32..16).prop_map(|m| m.to_string()),
        1 => Just("007".to_owned()),
        // 2^64 + 5 and 2^100 + 2: only the low bits count.
        1 => Just("18446744073709551621".to_owned()),
        1 => Just("1267650600228229401496703205378".to_owned()),
        1 => any::<u64>().prop_map(|m| m.to_string()),
    ];
    prop::collection::vec(mask, 1..=5).prop_map(|m| m.join(","))
}

fn role_value() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            "admin",
            "member",
            "org:admin",
            "org:member",
            "org:org:admin",
            "billing",
            "",
        ][..],
    )
    .prop_map(str::to_owned)
}

fn full_permission() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["org:", "", "org:org:"][..]),
        pick(FEATURES),
        pick(PERMISSIONS),
    )
        .prop_map(|(prefix, f, p)| format!("{prefix}{f}:{p}"))
}

fn fva() -> impl Strategy<Value = String> {
    let age = prop::sample::select(
        &[
            "-1", "0", "5", "9", "10", "11", "59", "60", "61", "1439", "1440", "1441", "9.5",
            "10.0", "-2", "-0.5", "\"5\"", "null",
        ][..],
    );
    prop_oneof![
        8 => (age.clone(), age).prop_map(|(a, b)| format!("[{a},{b}]")),
        1 => Just("[5]".to_owned()),
        1 => Just("[5,5,5]".to_owned()),
        1 => Just("\"5,5\"".to_owned()),
        1 => Just("null".to_owned()),
    ]
}

fn claims() -> impl Strategy<Value = Claims> {
    let v = prop::sample::select(
        &[
            None,
            Some("2"),
            Some("2"),
            Some("2.0"),
            Some("1"),
            Some("\"2\""),
            Some("3"),
        ][..],
    );
    let org_id = || opt(prop::sample::select(&["org_1", ""][..]).prop_map(str::to_owned));
    let org_permissions = prop_oneof![
        1 => Just(PermissionsClaim::Absent),
        1 => Just(PermissionsClaim::NotAnArray("org:a:read".into())),
        4 => prop::collection::vec(full_permission(), 0..=4).prop_map(PermissionsClaim::Array),
    ];
    let per = prop::collection::vec(pick(PERMISSIONS), 1..=4).prop_map(|p| p.join(","));
    let o = prop_oneof![
        1 => Just(OrgClaim::Absent),
        1 => Just(OrgClaim::NotAnObject),
        6 => (org_id(), opt(role_value()), opt(per), opt(masks()))
            .prop_map(|(id, rol, per, fpm)| OrgClaim::Object { id, rol, per, fpm }),
    ];
    let sts = prop::sample::select(&[None, Some("active"), Some("pending")][..]);
    (
        v,
        org_id(),
        opt(role_value()),
        org_permissions,
        o,
        opt(scoped_list(FEATURES)),
        opt(scoped_list(PLANS)),
        opt(fva()),
        sts,
    )
        .prop_map(
            |(v, org_id, org_role, org_permissions, o, fea, pla, fva, sts)| Claims {
                v,
                org_id,
                org_role,
                org_permissions,
                o,
                fea,
                pla,
                fva,
                sts,
            },
        )
}

// ---------------------------------------------------------------------------------------
// Generated queries
// ---------------------------------------------------------------------------------------

/// A feature or plan query: a bare name, or `scope:name` with the scopes `has()` knows and
/// some it does not.
fn billing_query(names: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    let scope = prop::sample::select(
        &[
            None,
            None,
            Some("org"),
            Some("o"),
            Some("organization"),
            Some("user"),
            Some("u"),
            Some("ou"),
            Some("x"),
            Some("users"),
            Some("Org"),
        ][..],
    );
    (scope, names).prop_map(|(scope, name)| match scope {
        Some(scope) => format!("{scope}:{name}"),
        None => name,
    })
}

fn reverification() -> impl Strategy<Value = Reverification> {
    let level = prop::sample::select(
        &[
            ReverificationLevel::FirstFactor,
            ReverificationLevel::SecondFactor,
            ReverificationLevel::MultiFactor,
        ][..],
    );
    let minutes = prop::sample::select(&[1u32, 5, 9, 10, 11, 60, 1440, 1441, u32::MAX][..]);
    prop_oneof![
        Just(Reverification::StrictMfa),
        Just(Reverification::Strict),
        Just(Reverification::Moderate),
        Just(Reverification::Lax),
        (level, minutes).prop_map(|(level, after_minutes)| Reverification::Custom {
            level,
            after_minutes
        }),
    ]
}

/// Values the claims of a case grant (so that generated queries are granted often enough):
/// its role, its permissions, the names in its `fea` and `pla`.
#[derive(Clone, Debug, Default)]
struct Granted {
    roles: Vec<String>,
    permissions: Vec<String>,
    features: Vec<String>,
    plans: Vec<String>,
}

fn granted(c: &Claims) -> Granted {
    let f = fields(c);
    let names = |claim: &Option<String>| -> Vec<String> {
        claim
            .as_deref()
            .map(entries)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, name)| name.to_owned())
            .collect()
    };
    Granted {
        roles: f.org_role.into_iter().collect(),
        permissions: f.org_permissions.unwrap_or_default(),
        features: names(&c.fea),
        plans: names(&c.pla),
    }
}

/// Values from `pool`, or half of the time from `granted` when it has any.
fn value_from(pool: BoxedStrategy<String>, granted: Vec<String>) -> BoxedStrategy<String> {
    if granted.is_empty() {
        pool
    } else {
        prop_oneof![pool, prop::sample::select(granted)].boxed()
    }
}

/// A query of one to five dimensions (mostly one or two).
fn query(g: &Granted) -> impl Strategy<Value = Has> {
    let dims = prop_oneof![6 => Just(1usize), 3 => Just(2usize), 1 => 3usize..=5]
        .prop_flat_map(|n| prop::sample::subsequence(vec![0usize, 1, 2, 3, 4], n));
    let feature_names = prop::sample::select(&["a", "b", "sso", "pro"][..])
        .prop_map(str::to_owned)
        .boxed();
    let plan_names = prop::sample::select(&["pro", "team", "a"][..])
        .prop_map(str::to_owned)
        .boxed();
    (
        dims,
        value_from(role_value().boxed(), g.roles.clone()),
        value_from(full_permission().boxed(), g.permissions.clone()),
        billing_query(value_from(feature_names, g.features.clone())),
        billing_query(value_from(plan_names, g.plans.clone())),
        reverification(),
    )
        .prop_map(|(dims, role, permission, feature, plan, rev)| {
            let on = |d: usize| dims.contains(&d);
            Has {
                role: on(0).then_some(role),
                permission: on(1).then_some(permission),
                feature: on(2).then_some(feature),
                plan: on(3).then_some(plan),
                reverification: on(4).then_some(rev),
            }
        })
}

// ---------------------------------------------------------------------------------------
// The reference model (spec §4.1, §4.2, §4.4), independent of the SDK's code
// ---------------------------------------------------------------------------------------

/// The auth object fields `has()` reads (spec §4.2).
#[derive(Debug, Default)]
struct Fields {
    user_id: String,
    org_id: Option<String>,
    org_role: Option<String>,
    org_permissions: Option<Vec<String>>,
    features: Option<String>,
    plans: Option<String>,
    fva: Option<Value>,
    pending: bool,
}

/// `scope:name` entries of a `fea`/`pla` claim; entries without a colon are skipped (§4.2,
/// V12: the Rust port skips them and derives nothing from them).
fn entries(claim: &str) -> Vec<(&str, &str)> {
    claim
        .split(',')
        .filter_map(|entry| entry.split_once(':'))
        .collect()
}

/// §4.1: scope `u` user, `o` org, `ou`/`uo` both.
fn org_scoped(scope: &str) -> bool {
    matches!(scope, "o" | "ou" | "uo")
}
fn user_scoped(scope: &str) -> bool {
    matches!(scope, "u" | "ou" | "uo")
}

/// `n` in binary, least significant bit first, from its decimal text (any size), by long
/// division.
fn bits_of_decimal(decimal: &str) -> Vec<bool> {
    let mut digits: Vec<u32> = decimal.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let mut bits = Vec::new();
    while digits.iter().any(|&d| d > 0) {
        let mut carry = 0;
        for d in &mut digits {
            let cur = carry * 10 + *d;
            *d = cur / 2;
            carry = cur % 2;
        }
        bits.push(carry == 1);
    }
    bits
}

/// §4.2 v2 permission expansion.
fn expand_permissions(fea: Option<&str>, per: Option<&str>, fpm: Option<&str>) -> Vec<String> {
    let (Some(per), Some(fpm)) = (per, fpm) else {
        return Vec::new();
    };
    let names: Vec<&str> = per.split(',').collect();
    let features: Vec<&str> = fea
        .map(entries)
        .unwrap_or_default()
        .into_iter()
        .filter(|(scope, _)| org_scoped(scope))
        .map(|(_, name)| name)
        .collect();
    let mut out = Vec::new();
    for (feature, mask) in features.iter().zip(fpm.split(',')) {
        for (j, bit) in bits_of_decimal(mask).into_iter().enumerate() {
            if bit && j < names.len() {
                out.push(format!("org:{feature}:{}", names[j]));
            }
        }
    }
    out
}

fn fields(c: &Claims) -> Fields {
    let parsed = |text: Option<&str>| text.map(|t| serde_json::from_str::<Value>(t).unwrap());
    // §4.1: dispatch on `v`: exactly the number 2 → v2.
    let v2 = parsed(c.v).and_then(|v| v.as_f64()) == Some(2.0);
    let mut f = Fields {
        user_id: "user_has".into(),
        fva: parsed(c.fva.as_deref()).filter(|v| !v.is_null()),
        pending: c.sts == Some("pending"),
        ..Fields::default()
    };
    if v2 {
        f.features = c.fea.clone();
        f.plans = c.pla.clone();
        if let OrgClaim::Object { id, rol, per, fpm } = &c.o {
            f.org_id = id.clone();
            f.org_role = rol.as_ref().map(|r| format!("org:{r}"));
            f.org_permissions = Some(expand_permissions(
                c.fea.as_deref(),
                per.as_deref(),
                fpm.as_deref(),
            ));
        }
    } else {
        f.org_id = c.org_id.clone();
        f.org_role = c.org_role.clone();
        f.org_permissions = match &c.org_permissions {
            PermissionsClaim::Array(items) => Some(items.clone()),
            _ => None,
        };
    }
    f
}

/// "Normalising to a single `org:` prefix" (§4.4).
fn with_org_prefix(mut value: &str) -> String {
    while let Some(rest) = value.strip_prefix("org:") {
        value = rest;
    }
    format!("org:{value}")
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// §4.4 feature/plan membership.
fn billing_check(claim: Option<&str>, asked: &str) -> bool {
    let Some(claim) = claim.filter(|c| !c.is_empty()) else {
        return false;
    };
    let entries = entries(claim);
    let in_set = |scoped: fn(&str) -> bool, name: &str| {
        entries.iter().any(|(scope, n)| scoped(scope) && *n == name)
    };
    match asked.split_once(':') {
        None => in_set(org_scoped, asked) || in_set(user_scoped, asked),
        Some(("org" | "o" | "organization", name)) => in_set(org_scoped, name),
        Some(("user" | "u", name)) => in_set(user_scoped, name),
        Some(_) => false,
    }
}

/// §4.4 reverification.
fn reverification_check(fva: Option<&Value>, config: &Reverification) -> bool {
    let (level, after) = match config {
        Reverification::StrictMfa => (ReverificationLevel::MultiFactor, 10.0),
        Reverification::Strict => (ReverificationLevel::SecondFactor, 10.0),
        Reverification::Moderate => (ReverificationLevel::SecondFactor, 60.0),
        Reverification::Lax => (ReverificationLevel::SecondFactor, 1440.0),
        Reverification::Custom {
            level,
            after_minutes,
        } => (*level, f64::from(*after_minutes)),
    };
    // A valid `fva`: two numbers, each ≥ 0 or −1.
    let Some(Value::Array(ages)) = fva else {
        return false;
    };
    let valid = |v: &Value| v.as_f64().filter(|&a| a >= 0.0 || a == -1.0);
    let [first, second] = ages.as_slice() else {
        return false;
    };
    let (Some(first), Some(second)) = (valid(first), valid(second)) else {
        return false;
    };
    let enrolled = |age: f64| age != -1.0;
    let fresh = |age: f64| enrolled(age) && after > age;
    if !enrolled(first) && !enrolled(second) {
        return false;
    }
    match level {
        ReverificationLevel::FirstFactor => fresh(first),
        ReverificationLevel::SecondFactor if !enrolled(second) => fresh(first),
        ReverificationLevel::SecondFactor if !enrolled(first) => fresh(second),
        ReverificationLevel::SecondFactor => fresh(second),
        ReverificationLevel::MultiFactor if !enrolled(second) => fresh(first),
        ReverificationLevel::MultiFactor if !enrolled(first) => false,
        ReverificationLevel::MultiFactor => fresh(first) && fresh(second),
    }
}

/// §4.4: every parameter given is a dimension that passes or fails (a dimension whose data
/// is missing fails); the others are skipped. True iff at least one passes and none fails.
fn model_has(f: &Fields, q: &Has) -> bool {
    if f.user_id.is_empty() {
        return false;
    }
    let mut verdicts = Vec::new();
    if let Some(role) = &q.role {
        verdicts.push(
            non_empty(&f.org_id).is_some()
                && non_empty(&f.org_role)
                    .is_some_and(|have| with_org_prefix(have) == with_org_prefix(role)),
        );
    }
    if let Some(permission) = &q.permission {
        let wanted = with_org_prefix(permission);
        verdicts.push(
            non_empty(&f.org_id).is_some()
                && f.org_permissions
                    .as_ref()
                    .is_some_and(|have| have.contains(&wanted)),
        );
    }
    if let Some(feature) = &q.feature {
        verdicts.push(billing_check(f.features.as_deref(), feature));
    }
    if let Some(plan) = &q.plan {
        verdicts.push(billing_check(f.plans.as_deref(), plan));
    }
    if let Some(config) = &q.reverification {
        verdicts.push(reverification_check(f.fva.as_ref(), config));
    }
    !verdicts.is_empty() && verdicts.iter().all(|&pass| pass)
}

// ---------------------------------------------------------------------------------------
// The SDK side
// ---------------------------------------------------------------------------------------

fn payload(c: &Claims) -> String {
    let mut m = Map::new();
    let put = |m: &mut Map<String, Value>, k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    put(&mut m, "sub", json!("user_has"));
    put(&mut m, "sid", json!("sess_has"));
    put(&mut m, "iat", json!(T0));
    put(&mut m, "nbf", json!(T0 - 5));
    put(&mut m, "exp", json!(T0 + 60));
    let text = |t: &str| serde_json::from_str::<Value>(t).unwrap();
    if let Some(v) = c.v {
        put(&mut m, "v", text(v));
    }
    if let Some(id) = &c.org_id {
        put(&mut m, "org_id", json!(id));
    }
    if let Some(role) = &c.org_role {
        put(&mut m, "org_role", json!(role));
    }
    match &c.org_permissions {
        PermissionsClaim::Absent => {}
        PermissionsClaim::NotAnArray(s) => put(&mut m, "org_permissions", json!(s)),
        PermissionsClaim::Array(items) => put(&mut m, "org_permissions", json!(items)),
    }
    match &c.o {
        OrgClaim::Absent => {}
        OrgClaim::NotAnObject => put(&mut m, "o", json!("org_1")),
        OrgClaim::Object { id, rol, per, fpm } => {
            let mut o = Map::new();
            for (k, v) in [("id", id), ("rol", rol), ("per", per), ("fpm", fpm)] {
                if let Some(v) = v {
                    put(&mut o, k, json!(v));
                }
            }
            put(&mut m, "o", Value::Object(o));
        }
    }
    if let Some(fea) = &c.fea {
        put(&mut m, "fea", json!(fea));
    }
    if let Some(pla) = &c.pla {
        put(&mut m, "pla", json!(pla));
    }
    if let Some(fva) = &c.fva {
        put(&mut m, "fva", text(fva));
    }
    if let Some(sts) = c.sts {
        put(&mut m, "sts", json!(sts));
    }
    Value::Object(m).to_string()
}

struct Fixture {
    _mock: MockClerk,
    rt: tokio::runtime::Runtime,
    key: std::sync::Arc<MockKey>,
    clerk: Clerk,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(MockClerk::start());
    let at = UNIX_EPOCH + Duration::from_secs(T0 as u64);
    let clerk = Clerk::builder()
        .without_env()
        .jwt_key(mock.jwt_key_pem())
        .build()
        .unwrap()
        .with_fixed_time(at);
    Fixture {
        key: mock.current_key(),
        _mock: mock,
        rt,
        clerk,
    }
}

fn authenticate(fx: &Fixture, token: &str) -> RequestState {
    let (parts, ()) = http::Request::builder()
        .uri("https://api.example.com/")
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts();
    fx.rt.block_on(fx.clerk.authenticate_request(&parts))
}

#[derive(Default)]
struct Coverage {
    queries: usize,
    granted: usize,
    /// Per dimension (role, permission, feature, plan, reverification): queries with only
    /// that dimension that the model grants.
    granted_alone: [usize; 5],
    /// Queries of two or more dimensions that the model grants.
    granted_combined: usize,
    v2_permissions_granted: usize,
}

fn dimensions(q: &Has) -> [bool; 5] {
    [
        q.role.is_some(),
        q.permission.is_some(),
        q.feature.is_some(),
        q.plan.is_some(),
        q.reverification.is_some(),
    ]
}

fn check(
    fx: &Fixture,
    c: &Claims,
    queries: &[Has],
    cov: &RefCell<Coverage>,
) -> Result<(), TestCaseError> {
    let token = TokenBuilder::sign_raw(
        &fx.key,
        br#"{"alg":"RS256","typ":"JWT","kid":"ins_has"}"#,
        payload(c).as_bytes(),
        "RS256",
    );
    let state = authenticate(fx, &token);
    let RequestState::SignedIn { session, .. } = &state else {
        return Err(TestCaseError::fail(format!(
            "a valid token must sign in: {state:?}"
        )));
    };
    let f = fields(c);
    let auth = state.to_auth();
    prop_assert_eq!(auth.is_signed_in(), !f.pending);
    let mut cov = cov.borrow_mut();
    for q in queries {
        let expected = model_has(&f, q);
        prop_assert_eq!(
            session.has(q),
            expected,
            "Session::has({:?}), fields {:?}",
            q,
            f
        );
        // §4.3: a pending session is signed out (has() false) in the auth object.
        prop_assert_eq!(
            auth.has(q),
            expected && !f.pending,
            "Auth::has({:?}), fields {:?}",
            q,
            f
        );
        cov.queries += 1;
        if expected {
            cov.granted += 1;
            let dims = dimensions(q);
            let n = dims.iter().filter(|&&d| d).count();
            if n == 1 {
                cov.granted_alone[dims.iter().position(|&d| d).unwrap()] += 1;
            } else {
                cov.granted_combined += 1;
            }
            if q.permission.is_some() && matches!(c.o, OrgClaim::Object { .. }) {
                cov.v2_permissions_granted += usize::from(c.v == Some("2"));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

#[test]
fn has_matches_the_spec_model() {
    let fx = fixture();
    let cov = RefCell::new(Coverage::default());
    let total = common::prop_cases(512) as usize;
    let mut runner = common::prop_runner(total as u32);
    let strategy = claims().prop_flat_map(|c| {
        let g = granted(&c);
        (Just(c), prop::collection::vec(query(&g), 32))
    });
    if let Err(e) = runner.run(&strategy, |(c, queries)| check(&fx, &c, &queries, &cov)) {
        panic!("{e}");
    }
    let cov = cov.into_inner();
    eprintln!(
        "{} queries, {} granted; alone (role, permission, feature, plan, reverification) {:?}; \
         combined {}; v2 permissions {}",
        cov.queries,
        cov.granted,
        cov.granted_alone,
        cov.granted_combined,
        cov.v2_permissions_granted
    );
    // Coverage bounds hold at the default case count (or more); a smaller run (e.g.
    // `PROPTEST_CASES=64`) is too noisy for them.
    if total < 512 {
        return;
    }
    // Both answers are common, and every dimension is granted on its own and in combination.
    assert!(cov.granted * 20 >= cov.queries, "{}", cov.granted);
    assert!(cov.granted * 2 <= cov.queries, "{}", cov.granted);
    for n in cov.granted_alone {
        assert!(n * 20 >= total, "{:?}", cov.granted_alone);
    }
    assert!(cov.granted_combined * 20 >= total);
    assert!(cov.v2_permissions_granted * 50 >= total);
}

/// The model on the spec's own examples.
#[test]
fn the_model_agrees_with_the_spec_examples() {
    // §4.2 V02.
    assert_eq!(
        expand_permissions(
            Some("o:memberships,u:premium,o:domains,ou:reports"),
            Some("read,manage"),
            Some("3,1,2"),
        ),
        [
            "org:memberships:read",
            "org:memberships:manage",
            "org:domains:read",
            "org:reports:manage"
        ]
    );
    assert_eq!(bits_of_decimal("18446744073709551617").len(), 65);
    let f = Fields {
        user_id: "u".into(),
        org_id: Some("org_1".into()),
        org_role: Some("org:admin".into()),
        org_permissions: Some(vec!["org:a:read".into()]),
        features: Some("u:premium,o:sso".into()),
        ..Fields::default()
    };
    // V01: role ok + permission missing → false; `has({})` is false.
    assert!(model_has(&f, &Has::role("admin")));
    assert!(!model_has(
        &f,
        &Has::role("admin").and_permission("org:a:write")
    ));
    assert!(!model_has(&f, &Has::default()));
    assert!(model_has(&f, &Has::feature("user:premium")));
    assert!(!model_has(&f, &Has::feature("org:premium")));
    assert!(!model_has(&f, &Has::feature("team:sso")));
    // Reverification presets.
    let fva = json!([5, -1]);
    assert!(reverification_check(Some(&fva), &Reverification::Strict));
    assert!(reverification_check(Some(&fva), &Reverification::StrictMfa));
    assert!(!reverification_check(
        Some(&json!([-1, -1])),
        &Reverification::Lax
    ));
    assert!(!reverification_check(
        Some(&json!([-1, 5])),
        &Reverification::StrictMfa
    ));
    assert!(reverification_check(
        Some(&json!([-1, 5])),
        &Reverification::Strict
    ));
}
