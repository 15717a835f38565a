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

    let t = |user: &str| mock.token().user(user);
    let tokens: Vec<(&str, String)> = vec![
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
    ];
    let all_but = |excluded: &[&str]| -> Vec<&str> {
        tokens
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !excluded.contains(n))
            .collect()
    };
    // (route, who may pass, the answer to the others, the answer without a token)
    let table: Vec<(&str, Vec<&str>, Expect, Expect)> = vec![
        (
            "/az/role",
            vec!["admin", "sso_admin", "team_admin", "stale_first"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/permission",
            vec!["member_create"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/feature",
            vec!["premium_user", "org_premium"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/feature_user",
            vec!["premium_user"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/feature_org",
            vec!["sso_admin"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/plan",
            vec!["pro_user"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/plan_org",
            vec!["team_admin", "team_member"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/any",
            vec![
                "admin",
                "sso_admin",
                "team_admin",
                "stale_first",
                "member_create",
            ],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/all",
            vec!["member_read"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/and",
            vec!["team_admin"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/nested",
            vec!["sso_admin", "pro_user"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/reverify",
            all_but(&["stale_first", "stale_second"]),
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/sync",
            vec!["admin", "sso_admin", "team_admin", "stale_first"],
            Expect::custom("sync", "forbidden"),
            Expect::custom("sync", MISSING),
        ),
        (
            "/az/async",
            vec!["member_create", "pro_user"],
            Expect::custom("async", "forbidden"),
            Expect::custom("async", MISSING),
        ),
        // A signed-in browser that lacks the role gets 403, never a redirect to sign in.
        (
            "/az/redirect",
            vec!["admin", "sso_admin", "team_admin", "stale_first"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
    ];
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
