//! The SDK side: signed tokens of the generated claims, and the checks through the SDK.

use super::*;

pub(crate) fn payload(c: &Claims) -> String {
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

pub(crate) struct Fixture {
    pub(crate) _mock: MockClerk,
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) key: std::sync::Arc<MockKey>,
    pub(crate) clerk: Clerk,
}

pub(crate) fn fixture() -> Fixture {
    let (rt, mock) = runtime_and_mock();
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

pub(crate) fn authenticate(fx: &Fixture, token: &str) -> RequestState {
    let parts = bearer_parts("https://api.example.com/", token);
    fx.rt.block_on(fx.clerk.authenticate_request(&parts))
}

#[derive(Default)]
pub(crate) struct Coverage {
    pub(crate) queries: usize,
    pub(crate) granted: usize,
    /// Per dimension (role, permission, feature, plan, reverification): queries with only
    /// that dimension that the model grants.
    pub(crate) granted_alone: [usize; 5],
    /// Queries of two or more dimensions that the model grants.
    pub(crate) granted_combined: usize,
    pub(crate) v2_permissions_granted: usize,
}

pub(crate) fn dimensions(q: &Has) -> [bool; 5] {
    [
        q.role.is_some(),
        q.permission.is_some(),
        q.feature.is_some(),
        q.plan.is_some(),
        q.reverification.is_some(),
    ]
}

pub(crate) fn check(
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
