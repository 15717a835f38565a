//! Generated claims and queries.

use super::*;

/// The v2 `o` claim.
#[derive(Clone, Debug)]
pub(crate) enum OrgClaim {
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
pub(crate) enum PermissionsClaim {
    Absent,
    NotAnArray(String),
    Array(Vec<String>),
}

#[derive(Clone, Debug)]
pub(crate) struct Claims {
    /// `v`, as JSON text (`None`: absent).
    pub(crate) v: Option<&'static str>,
    pub(crate) org_id: Option<String>,
    pub(crate) org_role: Option<String>,
    pub(crate) org_permissions: PermissionsClaim,
    pub(crate) o: OrgClaim,
    pub(crate) fea: Option<String>,
    pub(crate) pla: Option<String>,
    /// `fva`, as JSON text (`None`: absent).
    pub(crate) fva: Option<String>,
    pub(crate) sts: Option<&'static str>,
}

pub(crate) const FEATURES: &[&str] = &["a", "b", "sso", "a:b"];
pub(crate) const PERMISSIONS: &[&str] = &["read", "manage", "x"];
pub(crate) const PLANS: &[&str] = &["pro", "team"];

pub(crate) fn opt<T: Clone + std::fmt::Debug + 'static>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![1 => Just(None), 4 => s.prop_map(Some)]
}

pub(crate) fn pick(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(names).prop_map(str::to_owned)
}

/// A `fea`/`pla` claim: comma-separated `scope:name` entries (scopes `o`, `u`, `ou`, `uo`,
/// and ones that only look like them: `org`, `user`, `oo`, `xo`, …), names with a colon
/// (`a:b`), spaces around entries, and entries without a colon or empty.
pub(crate) fn scoped_list(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let scopes = &[
        "o", "u", "ou", "uo", "o", "u", "ou", "x", "", "org", "user", "oo", "xo", "uu",
    ][..];
    let entry = prop_oneof![
        12 => (prop::sample::select(scopes), pick(names), prop::sample::select(&["", "", "", " "][..]))
            .prop_map(|(scope, name, space)| format!("{space}{scope}:{name}{space}")),
        1 => pick(names),
        1 => Just("o".to_owned()),
        1 => Just(String::new()),
    ];
    prop_oneof![
        8 => prop::collection::vec(entry, 1..=5).prop_map(|e| e.join(",")),
        1 => Just(String::new()),
    ]
}

/// `fpm`: decimal masks, some beyond 64 bits.
pub(crate) fn masks() -> impl Strategy<Value = String> {
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

pub(crate) fn role_value() -> impl Strategy<Value = String> {
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

pub(crate) fn full_permission() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["org:", "", "org:org:"][..]),
        pick(FEATURES),
        pick(PERMISSIONS),
    )
        .prop_map(|(prefix, f, p)| format!("{prefix}{f}:{p}"))
}

pub(crate) fn fva() -> impl Strategy<Value = String> {
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

pub(crate) fn claims() -> impl Strategy<Value = Claims> {
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
pub(crate) fn billing_query(names: BoxedStrategy<String>) -> impl Strategy<Value = String> {
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

pub(crate) fn reverification() -> impl Strategy<Value = Reverification> {
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
pub(crate) struct Granted {
    pub(crate) roles: Vec<String>,
    pub(crate) permissions: Vec<String>,
    pub(crate) features: Vec<String>,
    pub(crate) plans: Vec<String>,
}

pub(crate) fn granted(c: &Claims) -> Granted {
    let f = fields(c);
    let names = |claim: &Option<String>| -> Vec<String> {
        claim
            .as_deref()
            .map(entries)
            .unwrap_or_default()
            .into_iter()
            .flatten()
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
pub(crate) fn value_from(
    pool: BoxedStrategy<String>,
    granted: Vec<String>,
) -> BoxedStrategy<String> {
    if granted.is_empty() {
        pool
    } else {
        prop_oneof![pool, prop::sample::select(granted)].boxed()
    }
}

/// A query of one to five dimensions (mostly one or two).
pub(crate) fn query(g: &Granted) -> impl Strategy<Value = Has> {
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
