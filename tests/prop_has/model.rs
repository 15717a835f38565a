//! The reference model (spec §4.1, §4.2, §4.4), independent of the SDK's code.

use super::*;

/// The auth object fields `has()` reads (spec §4.2).
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub(crate) user_id: String,
    pub(crate) org_id: Option<String>,
    pub(crate) org_role: Option<String>,
    pub(crate) org_permissions: Option<Vec<String>>,
    pub(crate) features: Option<String>,
    pub(crate) plans: Option<String>,
    pub(crate) fva: Option<Value>,
    pub(crate) pending: bool,
}

/// The elements of a `fea`/`pla` claim as `@clerk/shared`'s `splitByScope` reads them:
/// split on `,`, trimmed, `scope:name` cut at the first colon (so a name may hold colons).
/// An element without a colon (an empty one too) is `None`: the JavaScript parser throws on
/// it (V12).
pub(crate) fn entries(claim: &str) -> Vec<Option<(&str, &str)>> {
    claim
        .split(',')
        .map(|entry| entry.trim().split_once(':'))
        .collect()
}

/// §4.1: scope `u` user, `o` org, `ou`/`uo` both.
pub(crate) fn org_scoped(scope: &str) -> bool {
    matches!(scope, "o" | "ou" | "uo")
}
pub(crate) fn user_scoped(scope: &str) -> bool {
    matches!(scope, "u" | "ou" | "uo")
}

/// `n` in binary, least significant bit first, from its decimal text (any size), by long
/// division.
pub(crate) fn bits_of_decimal(decimal: &str) -> Vec<bool> {
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
pub(crate) fn expand_permissions(
    fea: Option<&str>,
    per: Option<&str>,
    fpm: Option<&str>,
) -> Vec<String> {
    let (Some(per), Some(fpm)) = (per, fpm) else {
        return Vec::new();
    };
    // `if (!per || !fpm)`: empty ones grant nothing.
    if per.is_empty() || fpm.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = per.split(',').map(str::trim).collect();
    // Elements without a colon are skipped (§4.2: the Rust port skips them).
    let features: Vec<&str> = fea
        .map(entries)
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .filter(|(scope, _)| org_scoped(scope))
        .map(|(_, name)| name)
        .collect();
    let mut out = Vec::new();
    for (feature, mask) in features.iter().zip(fpm.split(',')) {
        // `decimalToBinaryBits`: a mask that is not all ASCII digits grants nothing.
        let mask = mask.trim();
        if mask.is_empty() || !mask.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for (j, bit) in bits_of_decimal(mask).into_iter().enumerate() {
            if bit && j < names.len() {
                out.push(format!("org:{feature}:{}", names[j]));
            }
        }
    }
    out
}

pub(crate) fn fields(c: &Claims) -> Fields {
    let parsed = |text: Option<&str>| text.map(|t| serde_json::from_str::<Value>(t).unwrap());
    // §4.1: dispatch on `v`: exactly the number 2 → v2.
    let v2 = parsed(c.v).and_then(|v| v.as_f64()) == Some(2.0);
    let mut f = Fields {
        user_id: "user_has".into(),
        fva: parsed(c.fva.as_deref()).filter(|v| !v.is_null()),
        pending: c.sts == Some("pending"),
        ..Fields::default()
    };
    // `has()` reads `fea`/`pla` in every version (`features: sessionClaims.fea || ""`).
    f.features = c.fea.clone();
    f.plans = c.pla.clone();
    if v2 {
        if let OrgClaim::Object { id, rol, per, fpm } = &c.o {
            f.org_id = id.clone();
            // `if (claims.o?.rol)`: an empty `rol` is no role.
            f.org_role = rol
                .as_ref()
                .filter(|r| !r.is_empty())
                .map(|r| format!("org:{r}"));
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

/// "Normalising to a single `org:` prefix" (§4.4): Clerk's `prefixWithOrg`,
/// `value.replace(/^(org:)*/, "org:")`, which replaces every leading `org:` by one (so
/// `org:org:admin` is `org:admin`).
pub(crate) fn with_org_prefix(mut value: &str) -> String {
    while let Some(rest) = value.strip_prefix("org:") {
        value = rest;
    }
    format!("org:{value}")
}

pub(crate) fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// §4.4 feature/plan membership.
pub(crate) fn billing_check(claim: Option<&str>, asked: &str) -> bool {
    let Some(claim) = claim.filter(|c| !c.is_empty()) else {
        return false;
    };
    // An element the parser throws on fails the check (`has()` catches it as a failure).
    let Some(entries) = entries(claim).into_iter().collect::<Option<Vec<_>>>() else {
        return false;
    };
    let in_set = |scoped: fn(&str) -> bool, name: &str| {
        entries.iter().any(|(scope, n)| scoped(scope) && *n == name)
    };
    // `const [rawScope, rawId] = featureOrPlan.split(":")`: the first two fields only
    // (`org:a:b` asks for `a` in the org set); an empty id stands for the scope itself.
    let fields: Vec<&str> = asked.split(':').collect();
    let (scope, id) = match fields.as_slice() {
        [name] => return in_set(org_scoped, name) || in_set(user_scoped, name),
        [scope, "", ..] => (*scope, *scope),
        [scope, id, ..] => (*scope, *id),
        [] => unreachable!("split yields at least one field"),
    };
    match scope {
        "org" | "o" | "organization" => in_set(org_scoped, id),
        "user" | "u" => in_set(user_scoped, id),
        _ => false,
    }
}

/// §4.4 reverification.
pub(crate) fn reverification_check(fva: Option<&Value>, config: &Reverification) -> bool {
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
pub(crate) fn model_has(f: &Fields, q: &Has) -> bool {
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
