//! `Clerk::authenticate_request` against spec §1 (credentials, header parsing, precedence,
//! cookie ladder), §2.3 (token categories), §2.10 (error mapping) and §4.3 (pending).

mod cookies;
mod errors;
mod header;
mod observability;
mod robustness;
mod token_source;

#[path = "../common/mod.rs"]
mod common;
use common::mock::start_mock;
use common::mock::start_mock_with;
use common::prop::Lcg;

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
    // These tests are about the session cookies and the header: the browser has a
    // development browser, as every browser of a development instance does (without one,
    // `@clerk/backend` answers `dev-browser-missing` before reading the session), in the
    // plain family and in the family of each suffix the request's cookies use.
    builder = builder.header(
        "cookie",
        common::dev_browser_cookies(
            headers
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
                .map(|(_, value)| *value),
        ),
    );
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
        RequestState::Handshake(h) => h.token_carrier,
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

/// Signs `builder`: the token and its `iat`.
fn signed(builder: clerk::testing::TokenBuilder) -> (String, i64) {
    let iat = iat_of(&builder);
    (builder.sign(), iat)
}

/// The Cookie header value carrying the token `builder` signs, with its `iat` as
/// `__client_uat`.
fn cookie_of(builder: clerk::testing::TokenBuilder) -> String {
    let (token, iat) = signed(builder);
    session_cookie(&token, iat)
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

impl Lcg {
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
