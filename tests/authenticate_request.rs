//! `Clerk::authenticate_request` against spec §1 (credentials, header parsing, precedence,
//! cookie ladder), §2.3 (token categories), §2.10 (error mapping) and §4.3 (pending).

use base64::Engine as _;
use clerk::testing::MockClerk;
use clerk::{Clerk, PublishableKey, RequestState, TokenCarrier, MAX_TOKEN_LEN};
use http::{HeaderValue, Method, Request};

// ---------------------------------------------------------------------------------------
// helpers

/// Builds request parts with these raw header values (name, bytes).
fn parts_raw(method: Method, headers: &[(&str, &[u8])]) -> http::request::Parts {
    let mut builder = Request::builder()
        .method(method)
        .uri("https://api.example.com/x");
    for (name, value) in headers {
        builder = builder.header(
            *name,
            HeaderValue::from_bytes(value).expect("test header value is valid"),
        );
    }
    builder.body(()).unwrap().into_parts().0
}

async fn run(
    clerk: &Clerk,
    method: Method,
    authorization: Option<&str>,
    cookie: Option<&str>,
) -> RequestState {
    let mut headers: Vec<(&str, &[u8])> = Vec::new();
    if let Some(a) = authorization {
        headers.push(("authorization", a.as_bytes()));
    }
    if let Some(c) = cookie {
        headers.push(("cookie", c.as_bytes()));
    }
    clerk
        .authenticate_request(&parts_raw(method, &headers))
        .await
}

async fn get(clerk: &Clerk, authorization: Option<&str>, cookie: Option<&str>) -> RequestState {
    run(clerk, Method::GET, authorization, cookie).await
}

fn reason(state: &RequestState) -> Option<&'static str> {
    state.reason().map(|r| r.as_str())
}

/// The carrier of a signed-in or signed-out state.
fn carrier(state: &RequestState) -> Option<TokenCarrier> {
    match state {
        RequestState::SignedIn { token_carrier, .. } => Some(*token_carrier),
        RequestState::SignedOut(s) => s.token_carrier,
    }
}

#[track_caller]
fn assert_signed_out(state: &RequestState, code: &str, expected_carrier: Option<TokenCarrier>) {
    assert!(!state.is_signed_in(), "expected signed out, got {state:?}");
    assert_eq!(reason(state), Some(code), "state: {state:?}");
    assert_eq!(carrier(state), expected_carrier, "state: {state:?}");
    let auth = state.to_auth();
    assert!(!auth.is_signed_in());
    assert_eq!(auth.user_id(), None);
    assert_eq!(auth.session_id(), None);
    assert_eq!(auth.org_id(), None);
    assert!(!auth.has(&clerk::Has::default().and_role("admin")));
}

#[track_caller]
fn assert_signed_in(state: &RequestState, user: &str, expected_carrier: TokenCarrier) {
    assert!(state.is_signed_in(), "expected signed in, got {state:?}");
    assert_eq!(state.reason(), None);
    assert_eq!(carrier(state), Some(expected_carrier));
    let auth = state.to_auth();
    assert!(auth.is_signed_in());
    assert_eq!(auth.user_id(), Some(user));
}

fn iat_of(builder: &clerk::testing::TokenBuilder) -> i64 {
    builder.claims()["iat"].as_i64().unwrap()
}

/// `__session=<token>; __client_uat=<uat>`.
fn session_cookie(token: &str, uat: i64) -> String {
    format!("__session={token}; __client_uat={uat}")
}

/// A minimal SHA-1 (FIPS 180-4), to check the cookie suffix independently.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64) * 8;
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(chunk[4 * i..4 * i + 4].try_into().unwrap());
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6u32),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// A small deterministic generator (Knuth's MMIX LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    /// Bytes biased towards characters that matter to the parsers.
    fn bytes(&mut self) -> Vec<u8> {
        const INTERESTING: &[u8] = b"Bearer .=;\"%_-$,:eyJ0AZaz09+/\t\\{}[]";
        let len = self.below(120) as usize;
        (0..len)
            .map(|_| {
                if self.below(2) == 0 {
                    INTERESTING[self.below(INTERESTING.len() as u32) as usize]
                } else if self.below(40) == 0 {
                    // Rarely, any byte at all (control characters included).
                    self.below(256) as u8
                } else {
                    // Visible ASCII and obs-text, as a header value may carry.
                    let b = 0x20 + self.below(0xE0) as u8;
                    if b == 0x7f {
                        b'~'
                    } else {
                        b
                    }
                }
            })
            .collect()
    }
    /// Three base64url segments of random JSON-ish bytes: gets past the dot count.
    fn jwt_shaped(&mut self) -> Vec<u8> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut segments = Vec::new();
        for _ in 0..3 {
            let mut raw = self.bytes();
            if self.below(2) == 0 {
                raw.insert(0, b'{');
                raw.push(b'}');
            }
            segments.push(b64.encode(raw));
        }
        segments.join(".").into_bytes()
    }
}

// ---------------------------------------------------------------------------------------
// §1.2 Authorization header parsing

#[tokio::test]
async fn authorization_table_1_2() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let token = mock.token().user("user_hdr").sign();

    // `Bearer <jwt>` → header path.
    let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);

    // `<jwt>` with no space at all → the whole value is the token.
    let state = get(&clerk, Some(&token), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);

    // `Bearer <jwt> extra` → extra fields ignored.
    let state = get(&clerk, Some(&format!("Bearer {token} extra")), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);
    let state = get(&clerk, Some(&format!("Bearer {token} a b c")), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);

    // `bearer <jwt>`, `Basic <x>`, other schemes → no header: cookie path.
    for value in [
        format!("bearer {token}"),
        format!("BEARER {token}"),
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("Token {token}"),
        format!(" {token}"),
    ] {
        let state = get(&clerk, Some(&value), None).await;
        assert_signed_out(&state, "session-token-and-uat-missing", None);
    }

    // Single word `Bearer` → the literal `Bearer` is the token → token-invalid.
    let state = get(&clerk, Some("Bearer"), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // `Bearer  <jwt>` (two spaces): second field empty → the literal `Bearer`.
    let state = get(&clerk, Some(&format!("Bearer  {token}")), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // `Bearer ` (trailing space): second field empty as well.
    let state = get(&clerk, Some("Bearer "), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // Empty → cookie path.
    let state = get(&clerk, Some(""), None).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
    let state = get(&clerk, None, None).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
}

#[tokio::test]
async fn other_schemes_fall_through_to_a_valid_cookie() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let builder = mock.token().user("user_cookie");
    let uat = iat_of(&builder);
    let cookie_token = builder.sign();
    let header_token = mock.token().user("user_header").sign();
    let cookie = session_cookie(&cookie_token, uat);

    for value in [
        format!("bearer {header_token}"),
        format!("Basic {header_token}"),
        "Basic dXNlcjpwYXNz".to_owned(),
    ] {
        let state = get(&clerk, Some(&value), Some(&cookie)).await;
        assert_signed_in(&state, "user_cookie", TokenCarrier::Cookie);
    }
}

/// `split(' ', 2)`: when the second field is empty, the first field is the token whatever
/// it is (the `Bearer  <jwt>` row of table 1.2, generalised as JavaScript does).
#[tokio::test]
async fn an_empty_second_field_makes_the_first_field_the_token() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let builder = mock.token();
    let uat = iat_of(&builder);
    let cookie = session_cookie(&builder.sign(), uat);
    for value in ["Basic ", "Basic  dXNlcjpwYXNz", "bearer  x"] {
        let state = get(&clerk, Some(value), Some(&cookie)).await;
        assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));
    }
}

/// Non-ASCII bytes in the header value are parsed like any other (JavaScript reads them as
/// Latin-1): another scheme still falls through, `Bearer <jwt> <junk>` still uses `<jwt>`.
#[tokio::test]
async fn non_ascii_authorization_bytes_are_parsed_by_fields() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let builder = mock.token().user("user_cookie");
    let uat = iat_of(&builder);
    let cookie = session_cookie(&builder.sign(), uat);
    let header_token = mock.token().user("user_header").sign();

    // Another scheme with obs-text: no header token, the cookie decides.
    let parts = parts_raw(
        Method::GET,
        &[
            ("authorization", b"Basic caf\xe9"),
            ("cookie", cookie.as_bytes()),
        ],
    );
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_cookie", TokenCarrier::Cookie);

    // `Bearer <jwt> <obs-text>`: the extra field is ignored.
    let mut value = format!("Bearer {header_token} ").into_bytes();
    value.extend_from_slice(b"\xff\xfe");
    let parts = parts_raw(Method::GET, &[("authorization", &value)]);
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_header", TokenCarrier::Header);

    // `Bearer <obs-text>`: a header token that is not a JWT; cookies are ignored.
    let parts = parts_raw(
        Method::GET,
        &[
            ("authorization", b"Bearer \xe9\xe9"),
            ("cookie", cookie.as_bytes()),
        ],
    );
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // A single field of obs-text is the token.
    let parts = parts_raw(Method::GET, &[("authorization", b"\xe9abc")]);
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));
}

// ---------------------------------------------------------------------------------------
// §1.3 precedence

#[tokio::test]
async fn header_token_wins_even_when_invalid() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let builder = mock.token().user("user_cookie");
    let uat = iat_of(&builder);
    let cookie = session_cookie(&builder.sign(), uat);

    // Sanity: the cookie alone signs in.
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_in(&state, "user_cookie", TokenCarrier::Cookie);

    // R13: badly signed header token + valid cookie → the header's reason.
    let forged = mock
        .token()
        .user("user_header")
        .sign_with(&mock.unpublished_key());
    let state = get(&clerk, Some(&format!("Bearer {forged}")), Some(&cookie)).await;
    assert_signed_out(
        &state,
        "token-invalid-signature",
        Some(TokenCarrier::Header),
    );

    // Malformed header token + valid cookie.
    let state = get(&clerk, Some("Bearer not-a-jwt"), Some(&cookie)).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // Expired header token + valid cookie.
    let expired = mock.token().expired().sign();
    let state = get(&clerk, Some(&format!("Bearer {expired}")), Some(&cookie)).await;
    assert_signed_out(
        &state,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        Some(TokenCarrier::Header),
    );

    // A valid header token and a valid cookie: the header's user.
    let header = mock.token().user("user_header").sign();
    let state = get(&clerk, Some(&format!("Bearer {header}")), Some(&cookie)).await;
    assert_signed_in(&state, "user_header", TokenCarrier::Header);

    // The header path does not look at __client_uat at all.
    let state = get(
        &clerk,
        Some(&format!("Bearer {header}")),
        Some(&format!("__client_uat={}", uat + 1000)),
    )
    .await;
    assert_signed_in(&state, "user_header", TokenCarrier::Header);
}

// ---------------------------------------------------------------------------------------
// §1.4 cookie ladder (rows 5–11 and 14)

#[tokio::test]
async fn cookie_ladder_rows() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let builder = mock.token().user("user_c");
    let iat = iat_of(&builder);
    let token = builder.sign();

    // Row 5: nothing at all (and unrelated cookies).
    assert_signed_out(
        &get(&clerk, None, None).await,
        "session-token-and-uat-missing",
        None,
    );
    assert_signed_out(
        &get(&clerk, None, Some("theme=dark; lang=en")).await,
        "session-token-and-uat-missing",
        None,
    );
    // `__client_uat=0` and no session: still row 5.
    assert_signed_out(
        &get(&clerk, None, Some("__client_uat=0")).await,
        "session-token-and-uat-missing",
        None,
    );
    // An empty `__session` counts as absent.
    assert_signed_out(
        &get(&clerk, None, Some("__session=")).await,
        "session-token-and-uat-missing",
        None,
    );

    // Row 6: session without client_uat, or with client_uat 0 (R07, R08) or unparsable.
    for cookie in [
        format!("__session={token}"),
        format!("__session={token}; __client_uat=0"),
        format!("__session={token}; __client_uat=abc"),
        format!("__session={token}; __client_uat="),
    ] {
        assert_signed_out(
            &get(&clerk, None, Some(&cookie)).await,
            "session-token-but-no-client-uat",
            None,
        );
    }

    // Row 7: client_uat without session (R10).
    for cookie in [
        format!("__client_uat={iat}"),
        format!("__client_uat={iat}; __session="),
    ] {
        assert_signed_out(
            &get(&clerk, None, Some(&cookie)).await,
            "client-uat-but-no-session-token",
            None,
        );
    }

    // Row 8: undecodable cookie token → verification error with carrier cookie.
    for bad in ["garbage", "a.b.c", "a.b", "eyJhbGciOiJSUzI1NiJ9.%%%.x"] {
        assert_signed_out(
            &get(&clerk, None, Some(&session_cookie(bad, iat))).await,
            "token-invalid",
            Some(TokenCarrier::Cookie),
        );
    }

    // Row 10: iat < client_uat (R09).
    assert_signed_out(
        &get(&clerk, None, Some(&session_cookie(&token, iat + 1))).await,
        "session-token-iat-before-client-uat",
        Some(TokenCarrier::Cookie),
    );
    // Row 10 comes before verification (row 11): an expired, older cookie reports row 10.
    let old = mock.token().expired();
    let old_iat = iat_of(&old);
    assert_signed_out(
        &get(
            &clerk,
            None,
            Some(&session_cookie(&old.sign(), old_iat + 1)),
        )
        .await,
        "session-token-iat-before-client-uat",
        Some(TokenCarrier::Cookie),
    );

    // Row 14: valid cookie, client_uat ≤ iat.
    for uat in [iat, iat - 1, 1] {
        let state = get(&clerk, None, Some(&session_cookie(&token, uat))).await;
        assert_signed_in(&state, "user_c", TokenCarrier::Cookie);
    }
    // parseInt semantics: `<iat>abc` reads as iat.
    let state = get(
        &clerk,
        None,
        Some(&format!("__session={token}; __client_uat={iat}xyz")),
    )
    .await;
    assert_signed_in(&state, "user_c", TokenCarrier::Cookie);

    // Row 11: verification fails.
    let forged = mock.token().sign_with(&mock.unpublished_key());
    assert_signed_out(
        &get(&clerk, None, Some(&session_cookie(&forged, 1))).await,
        "token-invalid-signature",
        Some(TokenCarrier::Cookie),
    );
}

#[tokio::test]
async fn cookie_parsing_quotes_order_and_spacing() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let builder = mock.token().user("user_q");
    let iat = iat_of(&builder);
    let token = builder.sign();

    for cookie in [
        format!("__session=\"{token}\"; __client_uat=\"{iat}\""),
        format!("a=1;__session={token};__client_uat={iat}"),
        format!("  __client_uat = {iat} ;  __session = {token}  "),
        // The first occurrence of a name wins.
        format!("__session={token}; __session=garbage; __client_uat={iat}"),
    ] {
        let state = get(&clerk, None, Some(&cookie)).await;
        assert_signed_in(&state, "user_q", TokenCarrier::Cookie);
    }

    // Two Cookie headers are both read.
    let session = format!("__session={token}");
    let uat = format!("__client_uat={iat}");
    let parts = parts_raw(
        Method::GET,
        &[("cookie", session.as_bytes()), ("cookie", uat.as_bytes())],
    );
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_q", TokenCarrier::Cookie);

    // Another cookie with a non-ASCII value does not hide the session cookie.
    let mut raw = b"theme=caf\xe9; ".to_vec();
    raw.extend_from_slice(session_cookie(&token, iat).as_bytes());
    let parts = parts_raw(Method::GET, &[("cookie", &raw)]);
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_q", TokenCarrier::Cookie);

    // First occurrence wins the other way round too.
    let state = get(
        &clerk,
        None,
        Some(&format!(
            "__session=garbage; __session={token}; __client_uat={iat}"
        )),
    )
    .await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));
}

#[tokio::test]
async fn suffixed_cookies_win_over_unsuffixed() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let pk = PublishableKey::parse(&mock.publishable_key()).unwrap();
    let suffix = pk.cookie_suffix();

    // §1.1: first 8 characters of the URL-safe base64 of SHA-1(publishable key).
    assert_eq!(
        sha1(b"abc"),
        [
            0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50,
            0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d
        ]
    );
    let expected = base64::engine::general_purpose::URL_SAFE
        .encode(sha1(mock.publishable_key().as_bytes()))[..8]
        .to_owned();
    assert_eq!(suffix, expected);
    assert_eq!(suffix.len(), 8);

    let builder = mock.token().user("user_suffixed");
    let iat = iat_of(&builder);
    let good = builder.sign();

    // Suffixed valid, unsuffixed garbage → suffixed wins.
    let cookie = format!(
        "__session=garbage; __client_uat=0; __session_{suffix}={good}; __client_uat_{suffix}={iat}"
    );
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_in(&state, "user_suffixed", TokenCarrier::Cookie);

    // Suffixed garbage, unsuffixed valid → suffixed still wins.
    let cookie = format!(
        "__session={good}; __client_uat={iat}; __session_{suffix}=garbage; __client_uat_{suffix}={iat}"
    );
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));

    // Suffixed only.
    let cookie = format!("__session_{suffix}={good}; __client_uat_{suffix}={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_in(&state, "user_suffixed", TokenCarrier::Cookie);

    // Suffixed client_uat of 0 is "signed out" even if the unsuffixed one is set.
    let cookie = format!("__session_{suffix}={good}; __client_uat_{suffix}=0; __client_uat={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_out(&state, "session-token-but-no-client-uat", None);

    // Another instance's suffix is ignored.
    let cookie = format!("__session_zzzzzzzz={good}; __client_uat_zzzzzzzz={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
}

// ---------------------------------------------------------------------------------------
// §2.3 categories; machine tokens

#[tokio::test]
async fn machine_looking_jwts_are_a_type_mismatch() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let variants = [
        mock.token().user("mch_2abc"),
        mock.token().header("typ", "at+jwt"),
        mock.token().header("typ", "application/at+jwt"),
        mock.token().header("cat", "cl_B7d4PD222AAA"),
        mock.token().header("cat", "cl_B7d4PD333AAA"),
        mock.token().header("cat", "cl_something_else"),
    ];
    for builder in variants {
        let iat = iat_of(&builder);
        let token = builder.sign();
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Header));
        let state = get(&clerk, None, Some(&session_cookie(&token, iat))).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Cookie));
    }

    // Session categories are accepted: absent, session, "ignore".
    for builder in [
        mock.token().without_header("cat"),
        mock.token().header("cat", "cl_B7d4PD111AAA"),
        mock.token().header("cat", "cl_I7d4PD111III"),
        mock.token().without_header("typ"),
    ] {
        let token = builder.user("user_s").sign();
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_in(&state, "user_s", TokenCarrier::Header);
    }
}

/// Clerk answers `token-invalid` here (M04: a malformed JWT); this SDK names the actual
/// problem, deliberately ("Where this SDK differs"): a machine token sent to a route that
/// accepts session tokens only. A cookie holding one is still just a malformed session token.
#[tokio::test]
async fn opaque_machine_tokens_in_the_header_are_a_type_mismatch() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    for token in [
        "mt_0123456789abcdef0123456789abcdef",
        "ak_0123456789abcdef0123456789abcdef",
        "oat_0123456789abcdef",
    ] {
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Header));
        let state = get(&clerk, Some(token), None).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Header));
        let state = get(&clerk, None, Some(&session_cookie(token, 1_700_000_000))).await;
        assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));
    }
    assert_eq!(
        mock.jwks_requests(),
        0,
        "opaque tokens never reach the JWKS"
    );
    assert!(mock.api_requests().is_empty(), "nor the Backend API");
}

// ---------------------------------------------------------------------------------------
// §2.10 error mapping

#[tokio::test]
async fn verification_errors_map_to_request_reasons() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();

    // (builder, reason for GET, reason for POST)
    let cases: Vec<(clerk::testing::TokenBuilder, &str, &str)> = vec![
        (
            mock.token().expired(),
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
            "session-token-expired-refresh-non-eligible-non-get",
        ),
        (
            mock.token().not_before_in_secs(120),
            "session-token-nbf",
            "session-token-nbf",
        ),
        (
            mock.token().issued_in_secs(120),
            "session-token-iat-in-the-future",
            "session-token-iat-in-the-future",
        ),
        (
            mock.token().header("alg", "HS256"),
            "token-invalid-algorithm",
            "token-invalid-algorithm",
        ),
        (
            mock.token().claim("sub", 42),
            "token-verification-failed",
            "token-verification-failed",
        ),
    ];
    for (builder, on_get, on_post) in cases {
        let token = builder.sign();
        let header = format!("Bearer {token}");
        // Cookie: a client_uat far in the past, so row 10 does not apply.
        let cookie = session_cookie(&token, 1);
        for (method, code) in [
            (Method::GET, on_get),
            (Method::POST, on_post),
            (Method::PUT, on_post),
            (Method::HEAD, on_post),
        ] {
            let state = run(&clerk, method.clone(), Some(&header), None).await;
            assert_signed_out(&state, code, Some(TokenCarrier::Header));
            let state = run(&clerk, method, None, Some(&cookie)).await;
            assert_signed_out(&state, code, Some(TokenCarrier::Cookie));
        }
    }

    // Bad signature, both kinds: tampered payload and foreign key.
    for token in [
        mock.token().sign_tampered(),
        mock.token().sign_with(&mock.unpublished_key()),
    ] {
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(
            &state,
            "token-invalid-signature",
            Some(TokenCarrier::Header),
        );
        let state = run(&clerk, Method::POST, None, Some(&session_cookie(&token, 1))).await;
        assert_signed_out(
            &state,
            "token-invalid-signature",
            Some(TokenCarrier::Cookie),
        );
    }
}

#[tokio::test]
async fn authorized_parties_are_enforced() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .authorized_parties(["https://app.example.com"])
        .build()
        .unwrap();

    let ok = mock
        .token()
        .user("user_azp")
        .azp("https://app.example.com")
        .sign();
    let state = get(&clerk, Some(&format!("Bearer {ok}")), None).await;
    assert_signed_in(&state, "user_azp", TokenCarrier::Header);

    for token in [
        mock.token().azp("http://localhost:3000").sign(),
        mock.token().azp("https://app.example.com/").sign(),
        mock.token().azp("https://APP.example.com").sign(),
        mock.token().azp("").sign(),
        mock.token().without_claim("azp").sign(),
    ] {
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(
            &state,
            "token-invalid-authorized-parties",
            Some(TokenCarrier::Header),
        );
        let state = get(&clerk, None, Some(&session_cookie(&token, 1))).await;
        assert_signed_out(
            &state,
            "token-invalid-authorized-parties",
            Some(TokenCarrier::Cookie),
        );
    }

    // Without authorized parties, any azp (or none) is accepted.
    let open = mock.clerk();
    let token = mock.token().user("user_any").without_claim("azp").sign();
    let state = get(&open, Some(&format!("Bearer {token}")), None).await;
    assert_signed_in(&state, "user_any", TokenCarrier::Header);
}

// ---------------------------------------------------------------------------------------
// §4.3 pending sessions

#[tokio::test]
async fn pending_sessions() {
    let mock = MockClerk::start().await;
    let token = mock.token().user("user_pending").pending().sign();
    let header = format!("Bearer {token}");

    let clerk = mock.clerk();
    assert!(clerk.treats_pending_as_signed_out());
    let state = get(&clerk, Some(&header), None).await;
    assert!(
        state.is_signed_in(),
        "pending is signed in at the request level"
    );
    assert_eq!(state.reason(), None);
    let auth = state.to_auth();
    assert!(!auth.is_signed_in());
    assert_eq!(auth.user_id(), None);
    assert_eq!(auth.session_id(), None);
    assert!(auth.session().is_none());
    assert_eq!(auth.session_status(), Some("pending"));
    assert!(!auth.has(&clerk::Has::reverification(clerk::Reverification::Lax)));

    let clerk = mock
        .clerk_builder()
        .treat_pending_as_signed_out(false)
        .build()
        .unwrap();
    assert!(!clerk.treats_pending_as_signed_out());
    let state = get(&clerk, Some(&header), None).await;
    assert!(state.is_signed_in());
    let auth = state.to_auth();
    assert!(auth.is_signed_in());
    assert_eq!(auth.user_id(), Some("user_pending"));
    assert_eq!(auth.session_status(), Some("pending"));
    assert!(auth.session().unwrap().is_pending());

    // An active session reports its status too.
    let active = mock.token().sign();
    let auth = get(&mock.clerk(), Some(&format!("Bearer {active}")), None)
        .await
        .to_auth();
    assert!(auth.is_signed_in());
    assert_eq!(auth.session_status(), Some("active"));
}

// ---------------------------------------------------------------------------------------
// observability

fn header_map(state: &RequestState) -> Vec<(String, String)> {
    state
        .observability_headers()
        .into_iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn observability_headers() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();

    let good = mock.token().sign();
    let state = get(&clerk, Some(&format!("Bearer {good}")), None).await;
    assert_eq!(
        header_map(&state),
        [("x-clerk-auth-status".to_owned(), "signed-in".to_owned())]
    );

    let forged = mock.token().sign_with(&mock.unpublished_key());
    let expired = mock.token().expired().sign();
    let machine = mock.token().user("mch_1").sign();
    let oversized = "x".repeat(MAX_TOKEN_LEN + 10);
    // (authorization, cookie, reason, status, carrier)
    type Case<'a> = (
        Option<String>,
        Option<String>,
        &'a str,
        &'a str,
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            Some(format!("Bearer {forged}")),
            None,
            "token-invalid-signature",
            "signed-out",
            Some("header"),
        ),
        (
            None,
            Some(session_cookie(&expired, 1)),
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
            "signed-out",
            Some("cookie"),
        ),
        (
            Some(format!("Bearer {machine}")),
            None,
            "token-type-mismatch",
            "signed-out",
            Some("header"),
        ),
        (
            Some("Bearer a.b.c".to_owned()),
            None,
            "token-invalid",
            "signed-out",
            Some("header"),
        ),
        (
            Some(oversized.clone()),
            None,
            "token-invalid",
            "signed-out",
            Some("header"),
        ),
        (
            None,
            None,
            "session-token-and-uat-missing",
            "signed-out",
            None,
        ),
        (
            None,
            Some(format!("__session={forged}")),
            "session-token-but-no-client-uat",
            "signed-out",
            None,
        ),
    ];
    for (authorization, cookie, code, status, token_carrier) in cases {
        let state = get(&clerk, authorization.as_deref(), cookie.as_deref()).await;
        let headers = header_map(&state);
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{name} missing in {headers:?}"))
        };
        assert_eq!(find("x-clerk-auth-status"), status);
        assert_eq!(find("x-clerk-auth-reason"), code);
        let message = find("x-clerk-auth-message");
        match token_carrier {
            Some(c) => assert!(
                message.ends_with(&format!(" (reason={code}, token-carrier={c})")),
                "{message}"
            ),
            None => assert!(message.contains(&format!("reason={code}")), "{message}"),
        }
        let RequestState::SignedOut(signed_out) = &state else {
            panic!("signed out expected")
        };
        assert_eq!(signed_out.full_message(), message);
        // The token (or any of its segments) never appears.
        for secret in [&forged, &expired, &machine, &oversized] {
            for piece in std::iter::once(secret.as_str()).chain(secret.split('.')) {
                assert!(!message.contains(piece), "token leaked into {message}");
                assert!(!signed_out.message.contains(piece));
                assert!(!format!("{state:?}").contains(piece) || piece.len() < 8);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// robustness

#[tokio::test]
async fn pseudo_random_inputs_never_sign_in_or_panic() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let builder = mock.token().user("user_fallback");
    let uat = iat_of(&builder);
    let valid_cookie = session_cookie(&builder.sign(), uat);

    let mut rng = Lcg(0x5eed_c1e7_2024);
    let mut checked_headers = 0;
    let mut checked_cookies = 0;
    for i in 0..400 {
        let mut input = match i % 4 {
            0 => rng.bytes(),
            1 => rng.jwt_shaped(),
            2 => {
                let mut v = b"Bearer ".to_vec();
                v.extend(rng.bytes());
                v
            }
            _ => {
                let mut v = b"Bearer ".to_vec();
                v.extend(rng.jwt_shaped());
                v
            }
        };
        if i % 7 == 0 {
            input.extend(b" trailing");
        }

        // As the Authorization header, without cookies: always signed out with a reason.
        if HeaderValue::from_bytes(&input).is_ok() {
            checked_headers += 1;
            let parts = parts_raw(Method::GET, &[("authorization", &input)]);
            let state = clerk.authenticate_request(&parts).await;
            assert!(!state.is_signed_in(), "input {input:?} signed in");
            assert!(state.reason().is_some());
            assert!(!state.to_auth().is_signed_in());
            let _ = state.observability_headers();

            // With a valid cookie: either the header token is refused, or (no header
            // token) the cookie signs in. Never the header.
            let parts = parts_raw(
                Method::POST,
                &[
                    ("authorization", &input),
                    ("cookie", valid_cookie.as_bytes()),
                ],
            );
            let state = clerk.authenticate_request(&parts).await;
            match &state {
                RequestState::SignedIn { token_carrier, .. } => {
                    assert_eq!(*token_carrier, TokenCarrier::Cookie, "input {input:?}")
                }
                RequestState::SignedOut(s) => {
                    assert_eq!(
                        s.token_carrier,
                        Some(TokenCarrier::Header),
                        "input {input:?}"
                    )
                }
            }
        }

        // As a Cookie header, raw and as the session cookie's value.
        let stripped: Vec<u8> = input
            .iter()
            .copied()
            .filter(|b| !matches!(b, b';'))
            .collect();
        let mut as_session = b"__session=".to_vec();
        as_session.extend(&stripped);
        as_session.extend(format!("; __client_uat={uat}").as_bytes());
        for cookie in [&input, &as_session] {
            if HeaderValue::from_bytes(cookie).is_err() {
                continue;
            }
            checked_cookies += 1;
            for method in [Method::GET, Method::DELETE] {
                let parts = parts_raw(method, &[("cookie", cookie)]);
                let state = clerk.authenticate_request(&parts).await;
                assert!(!state.is_signed_in(), "cookie {cookie:?} signed in");
                assert!(state.reason().is_some());
                let _ = state.observability_headers();
            }
        }
    }
    assert!(checked_headers > 100, "{checked_headers}");
    assert!(checked_cookies > 200, "{checked_cookies}");
}

#[tokio::test]
async fn oversized_tokens_are_token_invalid() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();

    let huge = "a".repeat(MAX_TOKEN_LEN + 1);
    let state = get(&clerk, Some(&format!("Bearer {huge}")), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // A correctly signed token that is simply too large.
    let builder = mock
        .token()
        .user("user_big")
        .claim("padding", "p".repeat(MAX_TOKEN_LEN));
    let iat = iat_of(&builder);
    let big = builder.sign();
    assert!(big.len() > MAX_TOKEN_LEN);
    let state = get(&clerk, Some(&format!("Bearer {big}")), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));
    let state = get(&clerk, None, Some(&session_cookie(&big, iat))).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));
    assert_eq!(mock.jwks_requests(), 0, "refused before any key lookup");

    // Just under the limit still verifies.
    let pad = 10_000;
    let token = mock
        .token()
        .user("user_big")
        .claim("padding", "p".repeat(pad))
        .sign();
    assert!(token.len() <= MAX_TOKEN_LEN);
    let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
    assert_signed_in(&state, "user_big", TokenCarrier::Header);
}

#[tokio::test]
async fn authenticate_headers_matches_authenticate_request() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let token = mock.token().user("user_h").expired().sign();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let state = clerk.authenticate_headers(&Method::PATCH, &headers).await;
    assert_signed_out(
        &state,
        "session-token-expired-refresh-non-eligible-non-get",
        Some(TokenCarrier::Header),
    );
    let state = clerk.authenticate_headers(&Method::GET, &headers).await;
    assert_signed_out(
        &state,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        Some(TokenCarrier::Header),
    );
}
