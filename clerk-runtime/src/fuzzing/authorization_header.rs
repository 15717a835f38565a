//! `authorization_header`: see the function's documentation for the input format and the invariants.

use http::header::{AUTHORIZATION, COOKIE};
use http::{HeaderMap, HeaderValue, Method};

use super::{block_on, fixture, FIXED_NOW, VALID_TOKEN};
use crate::request::{AuthErrorReason, RequestState};
use crate::token::extract::{self, TokenCarrier};

/// JavaScript's `const [scheme, token] = value.split(' ', 2)` and
/// `parseAuthorizationHeader`, written as directly as possible.
fn authorization_model(value: &str) -> Option<&str> {
    let mut fields = value.split(' ');
    let scheme = fields.next().unwrap_or_default();
    let token = fields.next().unwrap_or_default();
    if token.is_empty() {
        (!scheme.is_empty()).then_some(scheme)
    } else if scheme == "Bearer" {
        Some(token)
    } else {
        None
    }
}

/// Comparable summary of a request state.
fn state_summary(
    state: &RequestState,
) -> (
    Option<String>,
    Option<TokenCarrier>,
    Option<AuthErrorReason>,
    String,
) {
    match state {
        RequestState::SignedIn {
            session,
            token_carrier,
            ..
        } => (
            Some(session.token().to_owned()),
            Some(*token_carrier),
            None,
            String::new(),
        ),
        RequestState::SignedOut(s) => (None, s.token_carrier, Some(s.reason), s.full_message()),
        RequestState::Handshake(h) => (
            None,
            h.token_carrier,
            Some(h.reason),
            h.to_signed_out().full_message(),
        ),
    }
}

/// Authenticates twice (the second time through the verified-token cache) and checks that
/// the decisions agree, that signed-out messages never quote the token, and that the
/// observability headers can be built.
pub(super) fn authenticate(headers: &HeaderMap, tokens: &[&str]) -> RequestState {
    let clerk = &fixture().clerk;
    let state = block_on(clerk.authenticate_headers(&Method::GET, headers));
    let again = block_on(clerk.authenticate_headers(&Method::GET, headers));
    assert_eq!(
        state_summary(&state),
        state_summary(&again),
        "cache changed the decision"
    );
    let post = block_on(clerk.authenticate_headers(&Method::POST, headers));
    assert_eq!(state.is_signed_in(), post.is_signed_in());
    if let RequestState::SignedOut(s) = &state {
        // Only token-like strings: a short or dot-free one may be a word of the message.
        for token in tokens.iter().filter(|t| t.len() >= 16 && t.contains('.')) {
            assert!(
                !s.full_message().contains(token),
                "the message quotes the token"
            );
        }
    }
    let headers = state.observability_headers();
    assert_eq!(headers.len() >= 2, !state.is_signed_in());
    let _ = state.to_auth().user_id().map(str::len);
    state
}

/// `authorization_header`: the `Authorization` header value as given (any bytes).
///
/// Invariants: the parser equals a direct model of `split(' ', 2)` +
/// `parseAuthorizationHeader`; the byte-level parser of requests finds a token exactly when
/// the text parser does (and the same one, when it is visible ASCII); in a request that
/// also carries a valid session cookie, a header token is the only one evaluated (never a
/// cookie sign-in), no header token falls through to the valid cookie, and a header sign-in
/// is the header's token and verifies on its own; decisions are deterministic (cache hit).
pub fn authorization_header(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = extract::token_from_authorization(&text);
    assert_eq!(parsed, authorization_model(&text), "{text:?}");
    if let Some(t) = parsed {
        assert!(!t.is_empty() && !t.contains(' '));
    }

    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, value);
    let cookie = format!("__session={VALID_TOKEN}; __client_uat={}", FIXED_NOW - 100);
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&cookie).expect("ASCII cookie"),
    );

    let header_token = extract::header_token(&headers);
    assert_eq!(header_token.is_some(), parsed.is_some(), "{data:?}");
    if let (Some(h), Some(t)) = (header_token, parsed) {
        if t.bytes().all(|b| b.is_ascii_graphic()) {
            assert_eq!(h, t);
        } else {
            assert_eq!(h, "\u{fffd}");
        }
    }

    let state = authenticate(&headers, &[header_token.unwrap_or_default()]);
    assert!(
        !state.is_handshake(),
        "authenticate_headers never answers a handshake"
    );
    match (header_token, &state) {
        (
            Some(token),
            RequestState::SignedIn {
                session,
                token_carrier,
                ..
            },
        ) => {
            assert_eq!(*token_carrier, TokenCarrier::Header);
            assert_eq!(session.token(), token);
            assert!(block_on(fixture().clerk.verify_token(token)).is_ok());
        }
        (Some(_), RequestState::SignedOut(s)) => {
            assert_eq!(s.token_carrier, Some(TokenCarrier::Header), "{s:?}");
        }
        (None, RequestState::SignedIn { token_carrier, .. }) => {
            assert_eq!(*token_carrier, TokenCarrier::Cookie);
        }
        (None, RequestState::SignedOut(s)) => {
            panic!("no header token, and the valid cookie was refused: {s:?}")
        }
        (_, RequestState::Handshake(_)) => {}
    }
}
