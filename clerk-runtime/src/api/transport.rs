//! HTTP transport to the Backend API: authentication, versioning, retries, errors.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use serde::de::DeserializeOwned;

use super::error::{ApiError, ClerkErrorBody};
use super::gate::RateLimitGate;
use super::request::ApiRequest;
use crate::wire;

/// Largest response body read from the Backend API.
pub(crate) const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// How much of a non-JSON error body is kept in [`ApiError::Response`].
pub(crate) const MAX_ERROR_TEXT: usize = 512;

/// Retry behaviour of Backend API calls (set with `ClerkBuilder::api_retry`).
///
/// Idempotent calls (GET, PUT, DELETE) are retried on any 5xx, timeouts and broken
/// connections; POST and PATCH only when no connection could be made. A retry that would
/// end past `budget` is not made, and the last error is returned instead.
///
/// **A 429 is never retried.** Clerk's rate limit is per instance (per secret key), so a
/// 429 closes the instance's rate-limit gate, shared by every clone of the `Clerk` and by
/// everything that calls the Backend API through it (`User` loads, machine-token
/// verification, the resource calls): until the wait has elapsed, calls fail at once
/// without being sent, with [`ApiError::BackingOff`] (its `retry_after` is what remains).
/// The call that met the 429 returns it ([`ApiError::Response`] with status 429). The wait
/// is the 429's `Retry-After` (whole seconds); without one, or with one that is not whole
/// seconds, [`DEFAULT_RATE_LIMIT_WAIT`](super::DEFAULT_RATE_LIMIT_WAIT) (1 s); never more
/// than [`MAX_RATE_LIMIT_WAIT`](super::MAX_RATE_LIMIT_WAIT) (60 s). `GET /v1/jwks` is
/// not rate-limited by Clerk (spec §9): the JWKS fetch ignores the gate and does not close it.
///
/// ```
/// use std::time::Duration;
/// use clerk_runtime::api::RetryPolicy;
/// let clerk = clerk_runtime::Clerk::builder()
///     .secret_key("sk_test_abc")
///     .api_retry(RetryPolicy { max_retries: 1, ..Default::default() })
///     .without_env()
///     .build()
///     .unwrap();
/// # let _ = clerk;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retries).
    pub max_retries: u32,
    /// First backoff delay; doubled on each retry, with jitter.
    pub initial_delay: Duration,
    /// Total time, from the first attempt, within which retries may start.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_delay: Duration::from_millis(250),
            budget: Duration::from_secs(10),
        }
    }
}

/// How the backoff delay before a retry is spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Jitter {
    /// Between half the backoff and all of it (Backend API calls).
    Below,
    /// Between the backoff and twice it (the JWKS fetch, as `@clerk/backend`'s).
    Above,
}

/// How one kind of call is retried and bounded: a [`RetryPolicy`] and what only the crate
/// sets. Backend API calls use the policy of `ClerkBuilder::api_retry`; the JWKS fetch has
/// its own value (`token::jwks::JWKS_POLICY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallPolicy {
    /// Retries, first delay and time budget.
    pub retry: RetryPolicy,
    /// How the delays are spread.
    pub jitter: Jitter,
    /// Largest response body read.
    pub max_body_bytes: usize,
}

impl CallPolicy {
    /// The policy of Backend API calls.
    pub(crate) const fn api(retry: RetryPolicy) -> Self {
        Self {
            retry,
            jitter: Jitter::Below,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }

    /// The delay before retry number `retry` (1 for the first): the initial delay doubled
    /// per retry, with jitter.
    fn backoff(&self, retry: u32) -> Duration {
        let backoff = self
            .retry
            .initial_delay
            .saturating_mul(1 << (retry - 1).min(16));
        match self.jitter {
            Jitter::Below => backoff.mul_f64(0.5 + rand::random::<f64>() / 2.0),
            Jitter::Above => backoff + backoff.mul_f64(rand::random::<f64>()),
        }
    }
}

/// Why one attempt brought no success, as it happened: each caller makes its own errors
/// of it ([`AttemptError::to_api_error`] for Backend API calls).
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// The request cannot be made (no secret key, no Tokio runtime, an invalid API URL).
    Invalid(ApiError),
    /// The request failed, or the answer broke off.
    Http {
        error: reqwest::Error,
        /// Whether no connection could be made (the request certainly never arrived).
        not_sent: bool,
    },
    /// The answer is longer than the policy's limit (in bytes).
    TooLarge(usize),
    /// A non-2xx answer.
    Status {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
}

impl AttemptError {
    /// The Backend API error it is.
    pub(crate) fn to_api_error(&self) -> ApiError {
        match self {
            Self::Invalid(err) => err.clone(),
            Self::Http { error, .. } => map_reqwest_error(error),
            Self::TooLarge(limit) => {
                ApiError::Decode(format!("the response is larger than {limit} bytes"))
            }
            Self::Status {
                status,
                headers,
                body,
            } => error_from_response(*status, headers, body),
        }
    }
}

/// What the caller makes of one attempt.
pub(crate) enum Judged<T, E> {
    /// A success.
    Done(T),
    /// A failure that may go away: retried within the policy, not sooner than `after`.
    Retry { error: E, after: Option<Duration> },
    /// A failure to return at once.
    Stop(E),
}

/// The failure of a judged call, and whether it may go away by itself (the last attempt
/// was judged [`Judged::Retry`]).
pub(crate) struct Failed<E> {
    pub error: E,
    pub transient: bool,
}

/// The Backend API client shared by every resource handle of a [`Clerk`](crate::Clerk).
#[derive(Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    api_url: String,
    api_version: String,
    secret_key: Option<HeaderValue>,
    headers: HeaderMap,
    retry: RetryPolicy,
    /// Closed after a 429, for every caller of the instance.
    gate: Arc<RateLimitGate>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(
        http: reqwest::Client,
        api_url: &str,
        api_version: &str,
        secret_key: Option<&str>,
        headers: HeaderMap,
        retry: RetryPolicy,
    ) -> Self {
        let secret_key = secret_key.and_then(|sk| {
            let mut value = HeaderValue::from_str(&format!("Bearer {sk}")).ok()?;
            value.set_sensitive(true);
            Some(value)
        });
        Self {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            api_version: api_version.to_owned(),
            secret_key,
            headers,
            retry,
            gate: Arc::default(),
        }
    }

    /// How long calls are still held back after a 429, `None` when they may be sent.
    pub(crate) fn backing_off(&self) -> Option<Duration> {
        self.gate.remaining()
    }

    fn url(&self, request: &ApiRequest) -> Result<reqwest::Url, ApiError> {
        let mut url = reqwest::Url::parse(&self.api_url)
            .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| ApiError::InvalidRequest("the API URL cannot have a path".into()))?;
            path.pop_if_empty();
            if request.versioned {
                path.push(&self.api_version);
            }
            for segment in &request.segments {
                path.push(segment);
            }
        }
        if !request.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &request.query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Sends the request (retrying idempotent ones) and decodes a JSON answer.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        request: ApiRequest,
    ) -> Result<T, ApiError> {
        let body = self.send_raw(request).await?;
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &body
        };
        serde_json::from_slice(body).map_err(|e| {
            ApiError::Decode(format!(
                "expected {}: {e}",
                short_type_name(std::any::type_name::<T>())
            ))
        })
    }

    /// Sends the request and returns the raw success body.
    ///
    /// Idempotent calls (GET, PUT, DELETE) are retried on 5xx, connection failures and
    /// timeouts. Other calls are retried only when no connection could be made (the API
    /// cannot have acted on them). A 429 is not retried: it closes the instance's gate
    /// (see [`RetryPolicy`]). Every retry stays within [`RetryPolicy`].
    pub(crate) async fn send_raw(&self, request: ApiRequest) -> Result<Vec<u8>, ApiError> {
        let idempotent = request.idempotent();
        let policy = CallPolicy::api(self.retry);
        let judged = self
            .send_judged(&request, &policy, |outcome| {
                let failure = match outcome {
                    Ok(body) => return Judged::Done(body),
                    Err(failure) => failure,
                };
                let not_sent = matches!(failure, AttemptError::Http { not_sent: true, .. });
                let err = failure.to_api_error();
                let retryable = match failure {
                    AttemptError::Invalid(_) => false,
                    _ if err.is_rate_limited() => false,
                    _ if idempotent => err.is_transient(),
                    _ => not_sent,
                };
                if retryable {
                    Judged::Retry {
                        after: err.retry_after(),
                        error: err,
                    }
                } else {
                    Judged::Stop(err)
                }
            })
            .await;
        judged.map_err(|failed| failed.error)
    }

    /// Sends the request, retrying within `policy` what `judge` calls [`Judged::Retry`]:
    /// the one retry loop of every call to the Backend API. `judge` sees each attempt's
    /// outcome (a 2xx body, or why not) and decides.
    pub(crate) async fn send_judged<T, E: fmt::Display>(
        &self,
        request: &ApiRequest,
        policy: &CallPolicy,
        mut judge: impl FnMut(Result<Vec<u8>, AttemptError>) -> Judged<T, E>,
    ) -> Result<T, Failed<E>> {
        let prepared = self.prepare(request);
        let started = Instant::now();
        let mut attempt = 0u32;
        let gated = request.rate_limited();
        loop {
            let held_back = gated.then(|| self.gate.remaining()).flatten();
            let outcome = match (&prepared, held_back) {
                (_, Some(retry_after)) => {
                    Err(AttemptError::Invalid(ApiError::BackingOff { retry_after }))
                }
                (Ok((url, authorization)), None) => {
                    self.attempt(request, url, authorization, policy.max_body_bytes)
                        .await
                }
                (Err(err), None) => Err(AttemptError::Invalid(err.clone())),
            };
            if let (
                true,
                Err(AttemptError::Status {
                    status: 429,
                    headers,
                    ..
                }),
            ) = (gated, &outcome)
            {
                let wait = self.gate.close_after_429(headers);
                tracing::warn!(
                    wait_ms = wait.as_millis() as u64,
                    "clerk: the Backend API rate-limited this instance (429): no call is sent until the wait has elapsed"
                );
            }
            attempt += 1;
            let (error, after) = match judge(outcome) {
                Judged::Done(value) => return Ok(value),
                Judged::Stop(error) => {
                    return Err(Failed {
                        error,
                        transient: false,
                    })
                }
                Judged::Retry { error, after } => (error, after),
            };
            let give_up = Failed {
                error,
                transient: true,
            };
            if attempt > policy.retry.max_retries {
                return Err(give_up);
            }
            let jittered = policy.backoff(attempt);
            let delay = after.map_or(jittered, |after| after.max(jittered));
            // No timer without a Tokio runtime (a misuse): fail rather than panic.
            if started.elapsed().saturating_add(delay) > policy.retry.budget
                || tokio::runtime::Handle::try_current().is_err()
            {
                return Err(give_up);
            }
            tracing::debug!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                "clerk: retrying a Backend API call: {}",
                give_up.error
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// The URL and `Authorization` of a request, or why it cannot be made.
    fn prepare(&self, request: &ApiRequest) -> Result<(reqwest::Url, HeaderValue), ApiError> {
        let authorization = match &request.bearer {
            Some(bearer) => bearer.clone(),
            None => self.secret_key.clone().ok_or(ApiError::MissingSecretKey)?,
        };
        if tokio::runtime::Handle::try_current().is_err() {
            // reqwest (and its timers) need a Tokio runtime; without one, fail cleanly.
            return Err(ApiError::Network(
                "a Tokio runtime is required to reach the Clerk Backend API".into(),
            ));
        }
        Ok((self.url(request)?, authorization))
    }

    /// One attempt: the body of a success, or what went wrong.
    async fn attempt(
        &self,
        request: &ApiRequest,
        url: &reqwest::Url,
        authorization: &HeaderValue,
        max_body_bytes: usize,
    ) -> Result<Vec<u8>, AttemptError> {
        let mut builder = self
            .http
            .request(request.method.clone(), url.clone())
            .header(AUTHORIZATION, authorization.clone())
            .header(
                wire::CLERK_API_VERSION_HEADER_NAME,
                HeaderValue::from_static(wire::CLERK_API_VERSION),
            )
            .header(USER_AGENT, HeaderValue::from_static(wire::USER_AGENT));
        if request.extra_headers {
            builder = builder.headers(self.headers.clone());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone());
        }
        let mut response = builder.send().await.map_err(|error| AttemptError::Http {
            not_sent: error.is_connect(),
            error,
        })?;
        // A declared length over the limit is refused before anything is read.
        if response
            .content_length()
            .is_some_and(|len| len > max_body_bytes as u64)
        {
            return Err(AttemptError::TooLarge(max_body_bytes));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| AttemptError::Http {
            error,
            not_sent: false,
        })? {
            if body.len() + chunk.len() > max_body_bytes {
                return Err(AttemptError::TooLarge(max_body_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok(body);
        }
        Err(AttemptError::Status {
            status: status.as_u16(),
            headers,
            body,
        })
    }
}

/// Any answer of a call made once: what `@clerk/backend`'s own request code sees.
#[derive(Debug)]
pub(crate) struct RawAnswer {
    pub status: u16,
    /// `Content-Type`, exactly as sent (the package parses JSON only for exactly
    /// `application/json`).
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Transport {
    /// Sends the request once, with no retry (as `@clerk/backend` makes its handshake and
    /// refresh calls), and returns any answer, 2xx or not. `Err` when nothing came back
    /// (network, timeout, the rate-limit gate closed, no secret key).
    pub(crate) async fn exchange(&self, request: ApiRequest) -> Result<RawAnswer, ApiError> {
        let (url, authorization) = self.prepare(&request)?;
        if let Some(retry_after) = self.gate.remaining() {
            return Err(ApiError::BackingOff { retry_after });
        }
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .header(AUTHORIZATION, authorization)
            .header(
                wire::CLERK_API_VERSION_HEADER_NAME,
                HeaderValue::from_static(wire::CLERK_API_VERSION),
            )
            .header(USER_AGENT, HeaderValue::from_static(wire::USER_AGENT))
            .headers(self.headers.clone());
        if let Some(body) = request.body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
        }
        let response = builder.send().await.map_err(|e| map_reqwest_error(&e))?;
        let status = response.status().as_u16();
        if status == 429 {
            self.gate.close_after_429(response.headers());
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(|e| map_reqwest_error(&e))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::Decode(format!(
                "the response is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        Ok(RawAnswer {
            status,
            content_type,
            body: body.to_vec(),
        })
    }
}

/// `alloc::vec::Vec<clerk_runtime::api::User>` → `Vec<User>`.
fn short_type_name(name: &str) -> String {
    let mut out = String::new();
    let mut ident = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            ident.push(c);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            ident.clear();
        } else {
            out.push_str(&ident);
            ident.clear();
            out.push(c);
        }
    }
    out.push_str(&ident);
    out
}

fn map_reqwest_error(e: &reqwest::Error) -> ApiError {
    if e.is_timeout() {
        return ApiError::Timeout;
    }
    // The innermost cause ("Connection refused (os error 111)", …), never the URL.
    let mut cause: &dyn std::error::Error = e;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the response"
    } else {
        "the request failed"
    };
    if std::ptr::addr_eq(cause, e as &dyn std::error::Error) {
        ApiError::Network(what.to_owned())
    } else {
        ApiError::Network(format!("{what}: {cause}"))
    }
}

/// Builds the error of a non-2xx answer: Clerk's JSON error body when there is one, else
/// the start of the text.
pub(crate) fn error_from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> ApiError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let parsed = serde_json::from_slice::<ClerkErrorBody>(body).ok();
    let (errors, body_trace, text) = match parsed {
        Some(p) if !p.errors.is_empty() || p.clerk_trace_id.is_some() => {
            (p.errors, p.clerk_trace_id, None)
        }
        _ => {
            let text = String::from_utf8_lossy(body);
            let mut text = text.trim().to_owned();
            if text.len() > MAX_ERROR_TEXT {
                let mut cut = MAX_ERROR_TEXT;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push('…');
            }
            (Vec::new(), None, Some(text))
        }
    };
    ApiError::Response {
        status,
        errors,
        clerk_trace_id: body_trace
            .or_else(|| header("clerk-trace-id"))
            .or_else(|| header("cf-ray")),
        retry_after: header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs),
        body: text,
    }
}

#[cfg(test)]
#[path = "transport_tests.rs"]
mod tests;
