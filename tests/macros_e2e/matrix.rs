//! The systematic matrix: every variant against every credential case, over real HTTP.

use super::authorization::az_role;
use super::over_http::{home, me};
use super::redirect::r_page;
use super::*;

/// Every credential case against the default configuration of the mock.
fn credential_cases(mock: &MockClerk, suffix: &str) -> Vec<Case> {
    let creds = Creds::mint(mock, suffix);
    let mut cases = valid_credential_cases(&creds);
    cases.extend(failing_credential_cases(&creds));
    cases
}

/// The tokens, `iat`s, cookie names and header sets the credential cases send.
struct Creds {
    s_session: String,
    s_uat: String,
    tok: String,
    ctok: String,
    ciat: String,
    earlier: String,
    later: String,
    exp: String,
    exp_iat: String,
    unknown_kid: String,
    uk_iat: String,
    bad_sig: String,
    bs_iat: String,
    pend: String,
    pend_iat: String,
    template: String,
    t_iat: String,
    two_cookie_headers: Headers,
    bad_header_good_cookie: Headers,
}

impl Creds {
    /// Mints every token; `suffix` names the suffixed cookies.
    fn mint(mock: &MockClerk, suffix: &str) -> Self {
        let s_session = format!("__session_{suffix}");
        let s_uat = format!("__client_uat_{suffix}");
        let unpublished = mock.unpublished_key();

        let (tok, _) = mint(mock.token().user("user_hdr"), None);
        let (ctok, ciat) = mint(mock.token().user("user_cookie"), None);
        let earlier = (ciat.parse::<i64>().unwrap() - 3600).to_string();
        let later = (ciat.parse::<i64>().unwrap() + 10).to_string();
        let (exp, exp_iat) = mint(mock.token().user("user_exp").expired(), None);
        // `sign_with` keeps the header's `kid` (the published one): name the unpublished key's own.
        let (unknown_kid, uk_iat) = mint(
            mock.token()
                .user("user_forged")
                .header("kid", unpublished.kid()),
            Some(&unpublished),
        );
        let (bad_sig, bs_iat) = mint(
            mock.token()
                .user("user_forged")
                .header("kid", mock.current_kid()),
            Some(&unpublished),
        );
        let (pend, pend_iat) = mint(mock.token().user("user_pending").pending(), None);
        let (template, t_iat) = mint(
            mock.token()
                .user("user_tpl")
                .header("cat", "cl_B7d4PD222AAA"),
            None,
        );

        let mut two_cookie_headers = cookies(&[("__session", &ctok)]);
        two_cookie_headers.extend(cookies(&[("__client_uat", &ciat)]));
        let mut bad_header_good_cookie = bearer(&bad_sig);
        bad_header_good_cookie.extend(cookies(&[("__session", &ctok), ("__client_uat", &ciat)]));
        Creds {
            s_session,
            s_uat,
            tok,
            ctok,
            ciat,
            earlier,
            later,
            exp,
            exp_iat,
            unknown_kid,
            uk_iat,
            bad_sig,
            bs_iat,
            pend,
            pend_iat,
            template,
            t_iat,
            two_cookie_headers,
            bad_header_good_cookie,
        }
    }
}

/// The cases with valid credentials, from the header or cookies.
fn valid_credential_cases(creds: &Creds) -> Vec<Case> {
    use Outcome::{In, Out};
    let Creds {
        s_session,
        s_uat,
        tok,
        ctok,
        ciat,
        earlier,
        exp,
        exp_iat,
        two_cookie_headers,
        ..
    } = creds;
    vec![
        case("no credentials", "GET", vec![], Out(MISSING, None)),
        case("no credentials", "POST", vec![], Out(MISSING, None)),
        case("valid bearer", "GET", bearer(tok), In("user_hdr", "active")),
        case(
            "valid bearer",
            "POST",
            bearer(tok),
            In("user_hdr", "active"),
        ),
        case(
            "scheme-less Authorization",
            "GET",
            vec![("authorization", tok.clone())],
            In("user_hdr", "active"),
        ),
        case(
            "lower-case `bearer` is no header token",
            "GET",
            vec![("authorization", format!("bearer {tok}"))],
            Out(MISSING, None),
        ),
        case(
            "malformed bearer",
            "GET",
            bearer("not-a-jwt"),
            Out("token-invalid", HEADER),
        ),
        case(
            "__session + __client_uat=iat",
            "GET",
            cookies(&[("__session", ctok), ("__client_uat", ciat)]),
            In("user_cookie", "active"),
        ),
        case(
            "__session + earlier __client_uat",
            "GET",
            cookies(&[("__client_uat", earlier), ("__session", ctok)]),
            In("user_cookie", "active"),
        ),
        case(
            "__session + __client_uat=iat",
            "POST",
            cookies(&[("__session", ctok), ("__client_uat", ciat)]),
            In("user_cookie", "active"),
        ),
        case(
            "__session and __client_uat in two Cookie headers",
            "GET",
            two_cookie_headers.clone(),
            In("user_cookie", "active"),
        ),
        case(
            "suffixed cookies",
            "GET",
            cookies(&[(s_session, ctok), (s_uat, ciat)]),
            In("user_cookie", "active"),
        ),
        case(
            "suffixed cookies, earlier uat",
            "POST",
            cookies(&[(s_session, ctok), (s_uat, earlier)]),
            In("user_cookie", "active"),
        ),
        case(
            "suffixed cookies win over stale unsuffixed ones",
            "GET",
            cookies(&[
                ("__session", exp),
                ("__client_uat", exp_iat),
                (s_session, ctok),
                (s_uat, ciat),
            ]),
            In("user_cookie", "active"),
        ),
    ]
}

/// Expired, invalid and pending credentials, and the cookie ladder.
fn failing_credential_cases(creds: &Creds) -> Vec<Case> {
    use Outcome::{Out, Pending};
    let Creds {
        s_session,
        s_uat,
        ctok,
        ciat,
        later,
        exp,
        exp_iat,
        unknown_kid,
        uk_iat,
        bad_sig,
        bs_iat,
        pend,
        pend_iat,
        template,
        t_iat,
        bad_header_good_cookie,
        ..
    } = creds;
    vec![
        case(
            "expired bearer",
            "GET",
            bearer(exp),
            Out(EXPIRED_GET, HEADER),
        ),
        case(
            "expired bearer",
            "POST",
            bearer(exp),
            Out(EXPIRED_POST, HEADER),
        ),
        case(
            "expired cookie",
            "GET",
            cookies(&[("__session", exp), ("__client_uat", exp_iat)]),
            Out(EXPIRED_GET, COOKIE),
        ),
        case(
            "expired cookie",
            "POST",
            cookies(&[("__session", exp), ("__client_uat", exp_iat)]),
            Out(EXPIRED_POST, COOKIE),
        ),
        case(
            "expired suffixed cookie",
            "POST",
            cookies(&[(s_session, exp), (s_uat, exp_iat)]),
            Out(EXPIRED_POST, COOKIE),
        ),
        case(
            "unpublished key (unknown kid), bearer",
            "GET",
            bearer(unknown_kid),
            Out("jwk-kid-mismatch", HEADER),
        ),
        case(
            "unpublished key (unknown kid), cookie",
            "GET",
            cookies(&[("__session", unknown_kid), ("__client_uat", uk_iat)]),
            Out("jwk-kid-mismatch", COOKIE),
        ),
        case(
            "published kid, wrong key, bearer",
            "GET",
            bearer(bad_sig),
            Out("token-invalid-signature", HEADER),
        ),
        case(
            "published kid, wrong key, suffixed cookie",
            "POST",
            cookies(&[(s_session, bad_sig), (s_uat, bs_iat)]),
            Out("token-invalid-signature", COOKIE),
        ),
        case(
            "an invalid header token beats a valid cookie",
            "GET",
            bad_header_good_cookie.clone(),
            Out("token-invalid-signature", HEADER),
        ),
        case("pending session, bearer", "GET", bearer(pend), Pending),
        case(
            "pending session, cookie",
            "POST",
            cookies(&[("__session", pend), ("__client_uat", pend_iat)]),
            Pending,
        ),
        case(
            "JWT template token, bearer",
            "GET",
            bearer(template),
            Out("token-type-mismatch", HEADER),
        ),
        case(
            "JWT template token, cookie",
            "GET",
            cookies(&[("__session", template), ("__client_uat", t_iat)]),
            Out("token-type-mismatch", COOKIE),
        ),
        case(
            "__session without __client_uat",
            "GET",
            cookies(&[("__session", ctok)]),
            Out("session-token-but-no-client-uat", None),
        ),
        case(
            "__client_uat=0 counts as absent",
            "GET",
            cookies(&[("__session", ctok), ("__client_uat", "0")]),
            Out("session-token-but-no-client-uat", None),
        ),
        case(
            "__client_uat without __session",
            "GET",
            cookies(&[("__client_uat", ciat)]),
            Out("client-uat-but-no-session-token", None),
        ),
        case(
            "cookie issued before __client_uat",
            "GET",
            cookies(&[("__session", ctok), ("__client_uat", later)]),
            Out("session-token-iat-before-client-uat", COOKIE),
        ),
    ]
}

/// Runs every case against every variant on this server; returns the number of requests.
async fn run_matrix(http: &reqwest::Client, base: &str, label: &str, cases: &[Case]) -> usize {
    let mut n = 0;
    for case in cases {
        for v in &VARIANTS {
            let reply = send(
                http,
                case.method,
                &format!("{base}{}", v.path),
                &case.headers,
                None,
            )
            .await;
            let ctx = format!("[{label}] {} {} — {}", case.method, v.path, case.name);
            expected(v, &case.outcome).check(&reply, &ctx);
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn credential_matrix_over_layer_and_state() {
    let (mock, clerk) = start_mock().await;
    let suffix = clerk
        .publishable_key()
        .expect("the mock sets a publishable key")
        .cookie_suffix();
    let layer = serve(matrix_routes().layer(ClerkLayer::new(clerk.clone()))).await;
    let state = serve(matrix_routes().with_state(AppState {
        clerk: clerk.clone(),
        name: "app",
    }))
    .await;
    let cases = credential_cases(&mock, &suffix);
    // The leak check of `send` does see the tokens of headers and cookies.
    let sample = mock.token().sign();
    assert_eq!(
        secrets_of(&bearer(&sample)),
        [
            sample.clone(),
            sample.rsplit('.').next().unwrap().to_owned()
        ]
    );
    assert_eq!(
        secrets_of(&cookies(&[("__client_uat", "1"), ("__session", &sample)])).len(),
        2
    );
    let http = client();
    let mut n = run_matrix(&http, &layer, "layer", &cases).await;
    n += run_matrix(&http, &state, "state", &cases).await;
    eprintln!(
        "credential matrix: {} cases x {} variants x 2 routers = {n} requests",
        cases.len(),
        VARIANTS.len()
    );
}

#[tokio::test]
async fn authorized_parties_and_pending_configurations() {
    use Outcome::{In, Out};
    let mock = MockClerk::start().await;
    let azp_clerk = mock
        .clerk_builder()
        .authorized_parties(["https://app.example.com"])
        .build()
        .unwrap();
    let suffix = azp_clerk.publishable_key().unwrap().cookie_suffix();
    let azp = serve(matrix_routes().with_state(AppState {
        clerk: azp_clerk,
        name: "azp",
    }))
    .await;

    let (default_azp, d_iat) = mint(mock.token().user("user_web"), None);
    let (no_azp, _) = mint(mock.token().user("user_web").without_claim("azp"), None);
    let (right, r_iat) = mint(
        mock.token().user("user_app").azp("https://app.example.com"),
        None,
    );
    let (slash, _) = mint(
        mock.token()
            .user("user_app")
            .azp("https://app.example.com/"),
        None,
    );
    let (expired_wrong, _) = mint(mock.token().user("user_web").expired(), None);
    let (s_session, s_uat) = (
        format!("__session_{suffix}"),
        format!("__client_uat_{suffix}"),
    );
    let azp_cases = vec![
        case(
            "wrong azp, bearer",
            "GET",
            bearer(&default_azp),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "wrong azp, cookie",
            "POST",
            cookies(&[("__session", &default_azp), ("__client_uat", &d_iat)]),
            Out("token-invalid-authorized-parties", COOKIE),
        ),
        case(
            "missing azp",
            "GET",
            bearer(&no_azp),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "azp with a trailing slash",
            "GET",
            bearer(&slash),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "wrong azp is checked before expiry",
            "GET",
            bearer(&expired_wrong),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "authorized azp, bearer",
            "GET",
            bearer(&right),
            In("user_app", "active"),
        ),
        case(
            "authorized azp, suffixed cookie",
            "GET",
            cookies(&[(&s_session, &right), (&s_uat, &r_iat)]),
            In("user_app", "active"),
        ),
    ];

    // `treat_pending_as_signed_out(false)`: a pending session is signed in everywhere.
    let lenient = mock
        .clerk_builder()
        .treat_pending_as_signed_out(false)
        .build()
        .unwrap();
    let pending_ok = serve(matrix_routes().layer(ClerkLayer::new(lenient))).await;
    let (pend, p_iat) = mint(mock.token().user("user_pending").pending(), None);
    let pending_cases = vec![
        case(
            "pending counts as signed in, bearer",
            "GET",
            bearer(&pend),
            In("user_pending", "pending"),
        ),
        case(
            "pending counts as signed in, cookie",
            "POST",
            cookies(&[("__session", &pend), ("__client_uat", &p_iat)]),
            In("user_pending", "pending"),
        ),
    ];

    let http = client();
    let n = run_matrix(&http, &azp, "azp", &azp_cases).await
        + run_matrix(&http, &pending_ok, "pending-ok", &pending_cases).await;
    eprintln!("azp/pending matrix: {n} requests");
}

#[tokio::test]
async fn state_wins_over_layer_and_missing_clerk_is_500() {
    let mock = MockClerk::start().await;
    let azp_clerk = mock
        .clerk_builder()
        .authorized_parties(["https://app.example.com"])
        .build()
        .unwrap();
    // The state's Clerk refuses the default `azp`, which the layer's would accept: the
    // state's, the more specific one, decides.
    let both = serve(
        matrix_routes()
            .with_state(AppState {
                clerk: azp_clerk,
                name: "state",
            })
            .layer(ClerkLayer::new(mock.clerk())),
    )
    .await;
    let bare = serve(
        matrix_routes()
            .route("/az/role", get(az_role))
            .route("/r/page", get(r_page))
            .route("/me", get(me))
            .route("/home", get(home)),
    )
    .await;
    let http = client();
    let token = mock.token().user("user_l").sign();
    let authorized = mock
        .token()
        .user("user_s")
        .azp("https://app.example.com")
        .sign();
    for v in &VARIANTS {
        let url = format!("{both}{}", v.path);
        let reply = send(&http, "GET", &url, &bearer(&token), None).await;
        expected(v, &Outcome::Out("token-invalid-authorized-parties", HEADER))
            .check(&reply, &format!("state wins {}", v.path));
        let reply = send(&http, "GET", &url, &bearer(&authorized), None).await;
        expected(v, &Outcome::In("user_s", "active"))
            .check(&reply, &format!("state wins {}", v.path));
    }
    let paths: Vec<&str> = VARIANTS
        .iter()
        .map(|v| v.path)
        .chain(["/az/role", "/r/page", "/me", "/home"])
        .collect();
    let html = vec![("accept", "text/html".to_owned())];
    for path in &paths {
        for headers in [vec![], bearer(&token), html.clone()] {
            let reply = send(&http, "GET", &format!("{bare}{path}"), &headers, None).await;
            Expect::not_configured().check(&reply, &format!("no Clerk {path} {headers:?}"));
        }
    }
}
