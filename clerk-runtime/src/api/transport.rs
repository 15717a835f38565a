//! HTTP transport to the Backend API: authentication, versioning, retries, errors.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{ApiError, ClerkErrorBody};

/// Largest response body read from the Backend API.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// How much of a non-JSON error body is kept in [`ApiError::Response`].
const MAX_ERROR_TEXT: usize = 512;

/// Retry behaviour for idempotent calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retries).
    pub max_retries: u32,
    /// First backoff delay; doubled on each retry, with jitter.
    pub initial_delay: Duration,
    /// Total time the retries of one call may take.
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

/// One Backend API request.
pub(crate) struct ApiRequest {
    method: Method,
    segments: Vec<String>,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    versioned: bool,
}

impl ApiRequest {
    pub(crate) fn new(method: Method, segments: &[&str]) -> Self {
        Self {
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            body: None,
            versioned: true,
        }
    }

    pub(crate) fn get(segments: &[&str]) -> Self {
        Self::new(Method::GET, segments)
    }
    pub(crate) fn post(segments: &[&str]) -> Self {
        Self::new(Method::POST, segments)
    }
    pub(crate) fn patch(segments: &[&str]) -> Self {
        Self::new(Method::PATCH, segments)
    }
    pub(crate) fn put(segments: &[&str]) -> Self {
        Self::new(Method::PUT, segments)
    }
    pub(crate) fn delete(segments: &[&str]) -> Self {
        Self::new(Method::DELETE, segments)
    }

    /// Without the `/v1` segment (machine-token endpoints).
    #[allow(dead_code)]
    pub(crate) fn unversioned(mut self) -> Self {
        self.versioned = false;
        self
    }

    /// Adds one query pair (repeat the call for repeated keys).
    pub(crate) fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// Adds a pair when the value is set.
    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds one pair per value.
    pub(crate) fn query_all<V: ToString>(mut self, key: &'static str, values: &[V]) -> Self {
        for v in values {
            self.query.push((key, v.to_string()));
        }
        self
    }

    /// A JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self, ApiError> {
        self.body = Some(serde_json::to_vec(body).map_err(|e| ApiError::InvalidRequest(e.to_string()))?);
        Ok(self)
    }

    fn idempotent(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS)
    }
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
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "[redacted]"))
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
        }
    }

    fn url(&self, request: &ApiRequest) -> Result<reqwest::Url, ApiError> {
        let mut url = reqwest::Url::parse(&self.api_url).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
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
    pub(crate) async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, ApiError> {
        let body = self.send_raw(request).await?;
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { &body };
        serde_json::from_slice(body).map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// Sends the request and returns the raw success body.
    pub(crate) async fn send_raw(&self, request: ApiRequest) -> Result<Vec<u8>, ApiError> {
        let secret_key = self.secret_key.clone().ok_or(ApiError::MissingSecretKey)?;
        let url = self.url(&request)?;
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            let result = self.attempt(&request, &url, &secret_key).await;
            let err = match result {
                Ok(body) => return Ok(body),
                Err(err) => err,
            };
            attempt += 1;
            if !request.idempotent() || !err.is_transient() || attempt > self.retry.max_retries {
                return Err(err);
            }
            let backoff = self.retry.initial_delay.saturating_mul(1 << (attempt - 1).min(16));
            let jittered = backoff.mul_f64(0.5 + rand::random::<f64>() / 2.0);
            let delay = err.retry_after().map_or(jittered, |ra| ra.max(jittered));
            if started.elapsed() + delay > self.retry.budget {
                return Err(err);
            }
            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "clerk: retrying a Backend API call: {err}");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, request: &ApiRequest, url: &reqwest::Url, secret_key: &HeaderValue) -> Result<Vec<u8>, ApiError> {
        let mut builder = self
            .http
            .request(request.method.clone(), url.clone())
            .header(AUTHORIZATION, secret_key.clone())
            .header(
                HeaderName::from_static("clerk-api-version"),
                HeaderValue::from_static(crate::config::CLERK_API_VERSION_HEADER),
            )
            .header(USER_AGENT, HeaderValue::from_static(crate::config::USER_AGENT))
            .headers(self.headers.clone());
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone());
        }
        let mut response = builder.send().await.map_err(map_reqwest_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_reqwest_error)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ApiError::Decode(format!("the response is larger than {MAX_BODY_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok(body);
        }
        Err(error_from_response(status.as_u16(), &headers, &body))
    }
}

fn map_reqwest_error(e: reqwest::Error) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout
    } else if e.is_connect() {
        ApiError::Network("could not connect".into())
    } else if e.is_body() || e.is_decode() {
        ApiError::Network("the connection broke while reading the response".into())
    } else {
        ApiError::Network("the request failed".into())
    }
}

/// Builds the error of a non-2xx answer: Clerk's JSON error body when there is one, else
/// the start of the text.
pub(crate) fn error_from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> ApiError {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let parsed = serde_json::from_slice::<ClerkErrorBody>(body).ok();
    let (errors, body_trace, text) = match parsed {
        Some(p) if !p.errors.is_empty() || p.clerk_trace_id.is_some() => (p.errors, p.clerk_trace_id, None),
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
        clerk_trace_id: body_trace.or_else(|| header("clerk-trace-id")).or_else(|| header("cf-ray")),
        retry_after: header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs),
        body: text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_from_json_and_from_text() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        headers.insert("cf-ray", HeaderValue::from_static("ray-1"));
        let err = error_from_response(
            429,
            &headers,
            br#"{"errors":[{"code":"rate_limit_exceeded","message":"Too many","long_message":"Slow down"}]}"#,
        );
        assert!(err.has_code("rate_limit_exceeded"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(err.trace_id(), Some("ray-1"));
        assert!(err.is_transient());
        assert!(err.to_string().contains("Slow down"));

        let err = error_from_response(502, &HeaderMap::new(), b"<html>Bad gateway</html>");
        assert_eq!(err.status(), Some(502));
        assert!(err.errors().is_empty());
        assert!(err.to_string().contains("Bad gateway"), "{err}");

        let big = "x".repeat(5000);
        let err = error_from_response(500, &HeaderMap::new(), big.as_bytes());
        assert!(err.to_string().len() < 700);
    }
}
