//! The authorization checks of `protect`.

use super::*;

#[clerk::protect(role = "org:admin")]
pub(super) async fn az_role(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(permission = "org:invoices:create")]
async fn az_permission(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(feature = "premium")]
async fn az_feature(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(feature = "user:premium")]
async fn az_feature_user(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(feature = "org:sso")]
async fn az_feature_org(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(plan = "pro")]
async fn az_plan(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(plan = "org:team")]
async fn az_plan_org(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(any(role = "org:admin", permission = "org:invoices:create"))]
async fn az_any(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(all(role = "org:member", permission = "org:invoices:read"))]
async fn az_all(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(role = "org:admin", plan = "org:team")]
async fn az_and(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(any(all(role = "org:admin", feature = "org:sso"), plan = "pro"))]
async fn az_nested(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(reverification = "strict")]
async fn az_reverify(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(role = "org:admin", on_error = on_error_sync)]
async fn az_sync(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(any(permission = "org:invoices:create", plan = "pro"), on_error = on_error_async)]
async fn az_async(auth: Auth) -> Json<Value> {
    Json(json!({"user": auth.user_id()}))
}
#[clerk::protect(redirect_to_sign_in, role = "org:admin")]
async fn az_redirect(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}

/// The users of the authorization matrix, each with a token that carries their claims.
fn authorization_tokens(mock: &MockClerk) -> Vec<(&'static str, String)> {
    let t = |user: &str| mock.token().user(user);
    vec![
        ("plain", t("plain").sign()),
        ("admin", t("admin").org("org_1", "org:admin").sign()),
        (
            "member_read",
            t("member_read")
                .org("org_1", "org:member")
                .permissions(&["org:invoices:read"])
                .sign(),
        ),
        (
            "member_create",
            t("member_create")
                .org("org_1", "org:member")
                .permissions(&["org:invoices:create"])
                .sign(),
        ),
        (
            "premium_user",
            t("premium_user").features("u:premium").sign(),
        ),
        (
            "sso_admin",
            t("sso_admin")
                .org("org_1", "admin")
                .features("o:sso")
                .sign(),
        ),
        (
            "org_premium",
            t("org_premium")
                .org("org_1", "org:member")
                .features("o:premium")
                .sign(),
        ),
        ("pro_user", t("pro_user").plans("u:pro").sign()),
        (
            "team_admin",
            t("team_admin")
                .org("org_1", "org:admin")
                .plans("o:team")
                .sign(),
        ),
        (
            "team_member",
            t("team_member")
                .org("org_1", "org:member")
                .plans("o:team")
                .sign(),
        ),
        (
            "stale_first",
            t("stale_first")
                .org("org_1", "org:admin")
                .factor_ages(30, -1)
                .sign(),
        ),
        ("stale_second", t("stale_second").factor_ages(0, 30).sign()),
        ("fresh_second", t("fresh_second").factor_ages(30, 5).sign()),
        // Clerk's `prefixWithOrg` replaces every leading `org:` by one: a doubled prefix
        // (v1 `org_role`, or v2 `rol: "org:admin"`, read as `org:org:admin`) is `org:admin`.
        (
            "v1_double_prefix",
            t("v1_double_prefix")
                .v1()
                .org("org_1", "admin")
                .claim("org_role", "org:org:admin")
                .sign(),
        ),
        (
            "v2_double_prefix",
            t("v2_double_prefix").org("org_1", "org:org:admin").sign(),
        ),
        // `fea` as `splitByScope` reads it: `user:` is no scope, a name runs to the end of
        // the element (`premium:trial`), an element without a colon fails every check.
        (
            "fake_scope",
            t("fake_scope").features("user:premium,org:sso").sign(),
        ),
        (
            "colon_name",
            t("colon_name").features("u:premium:trial").sign(),
        ),
        (
            "unparsable",
            t("unparsable").features("u:premium,oops").sign(),
        ),
        // `has()` reads `fea`/`pla` in v1 tokens too.
        (
            "v1_premium",
            t("v1_premium")
                .v1()
                .features("u:premium")
                .plans("u:pro")
                .sign(),
        ),
    ]
}

/// A row of the authorization matrix: the route, who may pass, the answer to the others
/// and the answer without a token.
type AuthorizationRow = (&'static str, Vec<&'static str>, Expect, Expect);

/// A row whose route answers 403 to the others and 401 without a token.
fn denied(route: &'static str, allowed: Vec<&'static str>) -> AuthorizationRow {
    (
        route,
        allowed,
        Expect::forbidden(),
        Expect::unauthenticated(MISSING, None),
    )
}

/// Every route of the matrix; `names` are the users of `authorization_tokens`.
fn authorization_table(names: &[&'static str]) -> Vec<AuthorizationRow> {
    let all_but = |excluded: &[&str]| -> Vec<&'static str> {
        names
            .iter()
            .copied()
            .filter(|n| !excluded.contains(n))
            .collect()
    };
    let admins = || {
        vec![
            "admin",
            "sso_admin",
            "team_admin",
            "stale_first",
            "v1_double_prefix",
            "v2_double_prefix",
        ]
    };
    vec![
        denied("/az/role", admins()),
        denied("/az/permission", vec!["member_create"]),
        denied(
            "/az/feature",
            vec!["premium_user", "org_premium", "v1_premium"],
        ),
        denied("/az/feature_user", vec!["premium_user", "v1_premium"]),
        denied("/az/feature_org", vec!["sso_admin"]),
        denied("/az/plan", vec!["pro_user", "v1_premium"]),
        denied("/az/plan_org", vec!["team_admin", "team_member"]),
        denied("/az/any", [admins(), vec!["member_create"]].concat()),
        denied("/az/all", vec!["member_read"]),
        denied("/az/and", vec!["team_admin"]),
        denied("/az/nested", vec!["sso_admin", "pro_user", "v1_premium"]),
        denied("/az/reverify", all_but(&["stale_first", "stale_second"])),
        (
            "/az/sync",
            admins(),
            Expect::custom("sync", "forbidden"),
            Expect::custom("sync", MISSING),
        ),
        (
            "/az/async",
            vec!["member_create", "pro_user", "v1_premium"],
            Expect::custom("async", "forbidden"),
            Expect::custom("async", MISSING),
        ),
        // A signed-in browser that lacks the role gets 403, never a redirect to sign in.
        denied("/az/redirect", admins()),
    ]
}

#[tokio::test]
async fn authorization_matrix() {
    let mock = MockClerk::start().await;
    let app = Router::new()
        .route("/az/role", get(az_role))
        .route("/az/permission", get(az_permission))
        .route("/az/feature", get(az_feature))
        .route("/az/feature_user", get(az_feature_user))
        .route("/az/feature_org", get(az_feature_org))
        .route("/az/plan", get(az_plan))
        .route("/az/plan_org", get(az_plan_org))
        .route("/az/any", get(az_any))
        .route("/az/all", get(az_all))
        .route("/az/and", get(az_and))
        .route("/az/nested", get(az_nested))
        .route("/az/reverify", get(az_reverify))
        .route("/az/sync", get(az_sync))
        .route("/az/async", get(az_async))
        .route("/az/redirect", get(az_redirect))
        .layer(ClerkLayer::new(mock.clerk()));
    let base = serve(app).await;
    let http = client();

    let tokens = authorization_tokens(&mock);
    let names: Vec<&'static str> = tokens.iter().map(|(n, _)| *n).collect();
    let table = authorization_table(&names);
    let mut n = 0;
    for (route, allowed, denied, anonymous) in &table {
        let url = format!("{base}{route}");
        for (name, token) in &tokens {
            let mut headers = bearer(token);
            headers.push(("accept", "text/html".into()));
            let reply = send(&http, "GET", &url, &headers, None).await;
            let expect = if allowed.contains(name) {
                Expect::ok(json!({"user": name}))
            } else {
                denied.clone()
            };
            expect.check(&reply, &format!("{route} as {name}"));
            n += 1;
        }
        let reply = send(
            &http,
            "GET",
            &url,
            &[("accept", "application/json".into())],
            None,
        )
        .await;
        anonymous.check(&reply, &format!("{route} without a token"));
        n += 1;
    }
    // A pending session is unauthenticated, not forbidden, even with the right role.
    let pending_admin = mock
        .token()
        .user("p")
        .org("org_1", "org:admin")
        .pending()
        .sign();
    let reply = send(
        &http,
        "GET",
        &format!("{base}/az/role"),
        &bearer(&pending_admin),
        None,
    )
    .await;
    Expect::pending().check(&reply, "pending admin");
    let reply = send(
        &http,
        "GET",
        &format!("{base}/az/sync"),
        &bearer(&pending_admin),
        None,
    )
    .await;
    Expect::custom("sync", "session-pending").check(&reply, "pending admin, custom on_error");
    eprintln!(
        "authorization matrix: {} routes x {} tokens (+ anonymous) = {n} requests",
        table.len(),
        tokens.len()
    );
}
