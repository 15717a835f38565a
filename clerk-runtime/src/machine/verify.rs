//! Verification of machine tokens: opaque ones by the Backend API (unversioned paths),
//! JWT forms locally.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::budget::{MachineVerificationBudget, VerifyBudget};
use super::cache::MachineCache;
use super::error::{MachineTokenVerificationError, MachineTokenVerificationErrorCode as Code};
use super::negative::NegativeCache;
use super::{auth::MachineShared, MachineAuth, MachineTokenCacheConfig, TokenType};
use crate::api::{ApiError, ApiRequest, Transport};
use crate::token::jwks::KeySource;
use crate::token::jwt::{self, DecodedJwt, CAT_M2M};
use crate::token::rules::{check_claims, millis_since_epoch, Rules};

/// The machine-token settings, caches and verification budget of one `Clerk` instance.
pub(crate) struct MachineState {
    /// `Bearer <machine secret key>` for `POST /m2m_tokens/verify`, when configured.
    machine_secret_key: Option<HeaderValue>,
    pub(crate) cache: MachineCache,
    /// Clerk's recent refusals.
    pub(crate) negative: NegativeCache,
    /// What is left of the instance's budget of verification calls.
    pub(crate) budget: VerifyBudget,
}

impl MachineState {
    pub(crate) fn new(
        machine_secret_key: Option<&str>,
        cache: MachineTokenCacheConfig,
        budget: MachineVerificationBudget,
    ) -> Self {
        let machine_secret_key = machine_secret_key.and_then(|key| {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}")).ok()?;
            value.set_sensitive(true);
            Some(value)
        });
        Self {
            machine_secret_key,
            negative: NegativeCache::new(cache.negative_ttl, cache.max_negative_entries),
            cache: MachineCache::new(cache),
            budget: VerifyBudget::new(budget),
        }
    }

    /// Whether a machine secret key is configured.
    pub(crate) fn has_machine_secret_key(&self) -> bool {
        self.machine_secret_key.is_some()
    }
}

impl fmt::Debug for MachineState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineState")
            .field(
                "machine_secret_key",
                &self.machine_secret_key.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

pub(super) fn error(
    code: Code,
    message: &'static str,
    token_type: Option<TokenType>,
) -> MachineTokenVerificationError {
    MachineTokenVerificationError::new(code, message, token_type)
}

/// The refusal of a token that was not sent to the Backend API because the instance is
/// holding back after a 429 (`unexpected-error`, as the 429 itself).
pub(super) fn held_back(
    token_type: TokenType,
    retry_after: Duration,
) -> MachineTokenVerificationError {
    // Said once when the gate closed (the transport's warning), not per token.
    tracing::debug!(
        token_type = token_type.as_str(),
        retry_after_ms = retry_after.as_millis() as u64,
        "clerk: machine token not verified: the Backend API rate-limited this instance"
    );
    error(Code::UnexpectedError, "Unexpected error", Some(token_type)).with_status(Some(429))
}

/// The machine token type of a decoded JWT: `typ` `at+jwt`/`application/at+jwt` → OAuth;
/// a `mch_` subject or the M2M `cat` → M2M.
pub(crate) fn machine_jwt_type(decoded: &DecodedJwt<'_>) -> Option<TokenType> {
    if matches!(
        decoded.header_str("typ"),
        Some("at+jwt" | "application/at+jwt")
    ) {
        return Some(TokenType::OAuthToken);
    }
    let machine_sub = decoded
        .payload
        .get("sub")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("mch_"));
    (machine_sub || decoded.header_str("cat") == Some(CAT_M2M)).then_some(TokenType::M2mToken)
}

/// What the Backend API answers to a verification (the three 200 schemas, tolerant).
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    claims: Option<Value>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    revoked: Option<bool>,
    #[serde(default)]
    expired: Option<bool>,
    #[serde(default)]
    expiration: Option<f64>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    active: Option<bool>,
}

/// Per-type constants: the endpoint, the body field, the `object`, and the messages.
struct Endpoint {
    path: &'static [&'static str],
    field: &'static str,
    object: &'static str,
    not_found: &'static str,
    revoked: &'static str,
    expired: &'static str,
}

fn endpoint(token_type: TokenType) -> Endpoint {
    match token_type {
        TokenType::M2mToken => Endpoint {
            path: &["m2m_tokens", "verify"],
            field: "token",
            object: "machine_to_machine_token",
            not_found: "Machine token not found",
            revoked: "Machine token has been revoked",
            expired: "Machine token has expired",
        },
        TokenType::OAuthToken => Endpoint {
            path: &["oauth_applications", "access_tokens", "verify"],
            field: "access_token",
            object: "clerk_idp_oauth_access_token",
            not_found: "OAuth token not found",
            revoked: "OAuth token has been revoked",
            expired: "OAuth token has expired",
        },
        // Callers pass machine types only.
        TokenType::ApiKey | TokenType::SessionToken => Endpoint {
            path: &["api_keys", "verify"],
            field: "secret",
            object: "api_key",
            not_found: "API key not found",
            revoked: "API key has been revoked",
            expired: "API key has expired",
        },
    }
}

/// `expiration` in Unix milliseconds. The spec documents milliseconds but some of its
/// examples are seconds: a value below 10^11 (the year 5138 in seconds, 1973 in
/// milliseconds) is read as seconds.
fn expiration_ms(value: f64) -> Option<i64> {
    if !value.is_finite() {
        return None;
    }
    let ms = if value.abs() < 1e11 {
        value * 1000.0
    } else {
        value
    };
    Some(ms as i64)
}

/// What verifying a machine token needs of the instance that verifies it. The `Clerk`
/// handle implements it, so that this module stays below the handle that owns its state.
pub(crate) trait Instance: Clone + Send + Sync + 'static {
    /// The Backend API.
    fn api(&self) -> &Transport;
    /// The machine secret key and the positive-answer cache.
    fn machine(&self) -> &MachineState;
    /// The session token keys: machine JWTs are signed with them.
    fn keys(&self) -> &KeySource;
    /// The time verifications are made at.
    fn now(&self) -> SystemTime;
    /// The session rules (`aud`, clock skew) at [`now`](Self::now).
    fn rules(&self) -> Rules<'_>;
}

/// The machine-token verification of one instance.
pub(crate) struct Verifier<'a, I>(pub(crate) &'a I);

impl<I: Instance> Verifier<'_, I> {
    /// Verifies a machine token: an API key (`ak_…`), an M2M token (`mt_…`, or a JWT with an
    /// `mch_` subject) or an OAuth access token (`oat_…`, or an `at+jwt` JWT), as
    /// `@clerk/backend`'s `verifyMachineAuthToken` does (see [`crate::machine`]).
    ///
    /// Opaque tokens are verified by the Backend API (a positive answer is cached for a few
    /// seconds, [`MachineTokenCacheConfig`]); JWT forms locally with the instance's keys.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) {
    /// match clerk.verify_machine_token("ak_…").await {
    ///     Ok(machine) => println!("{} of {}, scopes {:?}", machine.token_type(), machine.subject(), machine.scopes()),
    ///     Err(err) => println!("refused: {}", err.reason()), // "token-invalid", "secret-key-invalid", …
    /// }
    /// # }
    /// ```
    pub(crate) async fn verify_machine_token(
        &self,
        token: &str,
    ) -> Result<MachineAuth, MachineTokenVerificationError> {
        if let Some(token_type) = TokenType::from_prefix(token) {
            return self.verify_opaque_machine_token(token, token_type).await;
        }
        let not_machine = || {
            error(
                Code::TokenInvalid,
                "The token is not a machine token: expected an `ak_`, `mt_` or `oat_` token, or an M2M or OAuth JWT.",
                None,
            )
        };
        let decoded = jwt::decode(token).map_err(|_| not_machine())?;
        match machine_jwt_type(&decoded) {
            Some(token_type) => self.verify_machine_jwt(decoded, token, token_type).await,
            None => Err(not_machine()),
        }
    }

    /// One Backend API verification.
    pub(super) async fn fetch_machine_token(
        &self,
        token: &str,
        token_type: TokenType,
    ) -> Result<MachineAuth, MachineTokenVerificationError> {
        let ep = endpoint(token_type);
        let mut body = Map::new();
        body.insert(ep.field.to_owned(), Value::String(token.to_owned()));
        let mut request = ApiRequest::post(ep.path)
            .unversioned()
            .json(&body)
            .map_err(|_| error(Code::UnexpectedError, "Unexpected error", Some(token_type)))?;
        if token_type == TokenType::M2mToken {
            if let Some(key) = &self.0.machine().machine_secret_key {
                request = request.bearer(key.clone());
            }
        }
        let answer: Answer = match self.0.api().send(request).await {
            Ok(answer) => answer,
            Err(err) => return Err(self.machine_api_error(err, token_type, ep.not_found)),
        };
        let now_ms = millis_since_epoch(self.0.now()) as i64;
        self.machine_auth_from_answer(answer, token, token_type, &ep, now_ms)
    }

    fn machine_api_error(
        &self,
        err: ApiError,
        token_type: TokenType,
        not_found: &'static str,
    ) -> MachineTokenVerificationError {
        let status = err.status();
        let refused = match &err {
            ApiError::Response { status: 404, .. } => {
                return error(Code::TokenInvalid, not_found, Some(token_type)).with_status(status)
            }
            ApiError::Response {
                status: 401,
                errors,
                ..
            } => {
                let message = errors
                    .first()
                    .map(|e| e.message.clone())
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| "Invalid secret key".to_owned());
                MachineTokenVerificationError::new(
                    Code::InvalidSecretKey,
                    message,
                    Some(token_type),
                )
                .with_status(status)
            }
            ApiError::MissingSecretKey => error(
                Code::UnexpectedError,
                "Unexpected error: no secret key is configured to verify machine tokens (CLERK_SECRET_KEY).",
                Some(token_type),
            ),
            _ => error(Code::UnexpectedError, "Unexpected error", Some(token_type))
                .with_status(status),
        };
        if let ApiError::BackingOff { retry_after } = err {
            return held_back(token_type, retry_after);
        }
        // A configuration or Backend API problem, not the caller's: say so once per call.
        // Only the status, Clerk's error codes and the kind of failure are logged: error
        // texts and decoding errors could quote what was sent, and the token is never logged.
        let (kind, codes) = match &err {
            ApiError::Response { errors, .. } => (
                "error response",
                errors
                    .iter()
                    .map(|e| e.code.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ApiError::Network(_) => ("unreachable", String::new()),
            ApiError::Timeout => ("timeout", String::new()),
            ApiError::Decode(_) => ("unreadable answer", String::new()),
            ApiError::MissingSecretKey => ("no secret key", String::new()),
            _ => ("request failed", String::new()),
        };
        tracing::warn!(
            token_type = token_type.as_str(),
            code = refused.reason(),
            status,
            clerk_codes = codes.as_str(),
            "clerk: cannot verify a machine token: {kind}"
        );
        refused
    }

    /// Checks a 200 answer, failing closed, and builds the auth object.
    fn machine_auth_from_answer(
        &self,
        answer: Answer,
        token: &str,
        token_type: TokenType,
        ep: &Endpoint,
        now_ms: i64,
    ) -> Result<MachineAuth, MachineTokenVerificationError> {
        let malformed = |what: &'static str| {
            tracing::warn!(
                token_type = token_type.as_str(),
                "clerk: unexpected machine token verification answer: {what}"
            );
            error(Code::UnexpectedError, "Unexpected error", Some(token_type))
                .with_status(Some(200))
        };
        if answer.active == Some(false) {
            return Err(error(Code::TokenInvalid, ep.expired, Some(token_type)));
        }
        if answer.object.as_deref().is_some_and(|o| o != ep.object) {
            return Err(malformed("another object type"));
        }
        let id = answer.id.filter(|s| !s.is_empty());
        let subject = answer.subject.filter(|s| !s.is_empty());
        let (Some(id), Some(subject)) = (id, subject) else {
            return Err(malformed("no id or subject"));
        };
        match answer.revoked {
            Some(false) => {}
            Some(true) => return Err(error(Code::TokenInvalid, ep.revoked, Some(token_type))),
            None => return Err(malformed("no `revoked` flag")),
        }
        match answer.expired {
            Some(false) => {}
            Some(true) => return Err(error(Code::TokenInvalid, ep.expired, Some(token_type))),
            None => return Err(malformed("no `expired` flag")),
        }
        let expiration = answer.expiration.and_then(expiration_ms);
        if expiration.is_some_and(|exp| exp <= now_ms) {
            return Err(error(Code::TokenInvalid, ep.expired, Some(token_type)));
        }
        Ok(MachineAuth::new(MachineShared {
            token_type,
            id,
            subject,
            scopes: answer.scopes.unwrap_or_default(),
            claims: answer.claims.filter(|c| !c.is_null()),
            name: match token_type {
                TokenType::ApiKey => answer.name,
                _ => None,
            },
            client_id: match token_type {
                TokenType::OAuthToken => answer.client_id.filter(|c| !c.is_empty()),
                _ => None,
            },
            expiration,
            jwt: false,
            token: token.into(),
        }))
    }

    /// A JWT form of an M2M or OAuth token, verified locally with the instance's keys.
    pub(crate) async fn verify_machine_jwt(
        &self,
        decoded: DecodedJwt<'_>,
        token: &str,
        token_type: TokenType,
    ) -> Result<MachineAuth, MachineTokenVerificationError> {
        let failed =
            |message: &'static str| error(Code::TokenVerificationFailed, message, Some(token_type));
        let header = &decoded.header;
        match token_type {
            TokenType::OAuthToken => {
                if !matches!(
                    decoded.header_str("typ"),
                    Some("at+jwt" | "application/at+jwt")
                ) {
                    return Err(failed(
                        "Invalid JWT type. Expected \"at+jwt\" or \"application/at+jwt\".",
                    ));
                }
            }
            _ => {
                match header.get("cat") {
                    None => {}
                    Some(Value::String(c)) if c == CAT_M2M => {}
                    Some(_) => return Err(failed("Invalid M2M token category (cat).")),
                }
                match header.get("typ") {
                    None => {}
                    Some(Value::String(t)) if t == "JWT" => {}
                    Some(_) => return Err(failed("Invalid JWT type. Expected \"JWT\".")),
                }
            }
        }
        match decoded.header_str("alg") {
            Some("RS256") => {}
            Some("RS384" | "RS512") => {
                return Err(failed(
                    "Error verifying JWT signature: the key is for RS256 only.",
                ))
            }
            _ => {
                return Err(failed(
                    "Invalid JWT algorithm. Supported: RS256,RS384,RS512.",
                ))
            }
        }
        if header.contains_key("crit") {
            return Err(failed(
                "The token has critical header parameters (crit) this SDK does not understand.",
            ));
        }
        let key = match self.0.keys().resolve(decoded.header_str("kid")).await {
            Ok(key) => key,
            Err(err) => {
                if err.code().is_key_failure() {
                    tracing::warn!(
                        reason = err.reason(),
                        "clerk: cannot verify machine JWTs: {}",
                        err.message()
                    );
                }
                return Err(MachineTokenVerificationError::new(
                    Code::TokenVerificationFailed,
                    err.into_message(),
                    Some(token_type),
                ));
            }
        };
        if !key.verify_rs256(decoded.signing_input, &decoded.signature) {
            return Err(failed("JWT signature is invalid."));
        }
        let payload = decoded.payload;
        let subject = match payload.get("sub") {
            Some(Value::String(s))
                if token_type == TokenType::M2mToken && s.starts_with("mch_") =>
            {
                s.clone()
            }
            Some(Value::String(s)) if token_type == TokenType::OAuthToken && !s.is_empty() => {
                s.clone()
            }
            _ if token_type == TokenType::M2mToken => {
                return Err(failed(
                    "Subject claim (sub) of an M2M token must name a machine (mch_…).",
                ))
            }
            _ => {
                return Err(failed(
                    "Subject claim (sub) is required and must be a string.",
                ))
            }
        };
        // The session checks of `aud`, `exp`, `nbf` and `iat` (spec §2), on a copy whose
        // subject passes the session rule; `azp` and `iss` are session concepts.
        let base = self.0.rules();
        let rules = Rules {
            authorized_parties: &[],
            issuer: None,
            ..base
        };
        let mut checked = payload.clone();
        checked.insert("sub".into(), Value::String("machine".into()));
        check_claims(&checked, &rules).map_err(|e| {
            MachineTokenVerificationError::new(
                Code::TokenVerificationFailed,
                e.into_message(),
                Some(token_type),
            )
        })?;
        let string = |name: &str| payload.get(name).and_then(Value::as_str).map(str::to_owned);
        let list = |value: Option<&Value>| -> Option<Vec<String>> {
            match value? {
                Value::String(s) => Some(
                    s.split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ),
                Value::Array(items) => Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                ),
                _ => None,
            }
        };
        let scopes = match token_type {
            TokenType::OAuthToken => {
                list(payload.get("scp")).or_else(|| list(payload.get("scope")))
            }
            _ => list(payload.get("scopes")),
        };
        let expiration = payload
            .get("exp")
            .and_then(Value::as_f64)
            .map(|e| (e.trunc() * 1000.0) as i64);
        Ok(MachineAuth::new(MachineShared {
            token_type,
            id: string("jti").unwrap_or_default(),
            subject,
            scopes: scopes.unwrap_or_default(),
            client_id: match token_type {
                TokenType::OAuthToken => string("client_id"),
                _ => None,
            },
            name: None,
            expiration,
            jwt: true,
            token: token.into(),
            claims: Some(Value::Object(payload)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_reads_seconds_and_milliseconds() {
        assert_eq!(expiration_ms(1_716_883_200.0), Some(1_716_883_200_000));
        assert_eq!(expiration_ms(1_716_883_200_000.0), Some(1_716_883_200_000));
        assert_eq!(expiration_ms(f64::NAN), None);
    }
}
