//! The request as `@clerk/backend`'s `AuthenticateContext` sees it: its URL rebuilt from
//! `Host`/`X-Forwarded-Host`/`X-Forwarded-Proto`, the cookies and query parameters of the
//! handshake, the development browser and the loop guard, and whether it may be sent
//! through a handshake (docs/handshake-spec.md §1).

use http::request::Parts;
use http::{HeaderMap, Method};
use reqwest::Url;

use crate::clerk::Clerk;
use crate::frontend::org_sync::SyncTarget;
use crate::token::extract::{cookie, header_token, uses_suffixed_cookies, CookieFamily};

/// Query parameters and cookies of the handshake machinery (spec §9, `src/constants.ts`).
pub(crate) mod names {
    pub const DEV_BROWSER: &str = "__clerk_db_jwt";
    pub const HANDSHAKE: &str = "__clerk_handshake";
    pub const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
    pub const REDIRECT_COUNT: &str = "__clerk_redirect_count";
    pub const SYNCED: &str = "__clerk_synced";
    pub const REDIRECT_URL: &str = "__clerk_redirect_url";
    pub const HELP: &str = "__clerk_help";
    pub const LEGACY_DEV_SESSION: &str = "__dev_session";
}

/// Everything the ladder reads of one request.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    /// `clerkUrl`.
    pub url: Url,
    pub method: Method,
    /// `Sec-Fetch-Dest`, `Accept`, `Origin`, `Referer`: `None` when absent or empty.
    pub sec_fetch_dest: Option<String>,
    pub accept: Option<String>,
    pub origin: Option<String>,
    pub referrer: Option<String>,
    pub token_in_header: Option<String>,
    pub session_token_in_cookie: Option<String>,
    /// `__refresh_<suffix>` only.
    pub refresh_token_in_cookie: Option<String>,
    /// `parseInt(__client_uat) || 0`.
    pub client_uat: f64,
    pub dev_browser_token: Option<String>,
    pub handshake_token: Option<String>,
    pub handshake_nonce: Option<String>,
    /// `Number(__clerk_redirect_count) || 0`.
    pub redirect_count: f64,
    pub uses_suffixed_cookies: bool,
    pub production: bool,
    pub is_satellite: bool,
    /// `frontendApi`: the proxy URL (made absolute) or the Frontend API host.
    pub frontend_api: String,
    /// The request's headers (the refresh call forwards them).
    pub headers: HeaderMap,
    /// What the organization sync patterns ask of this URL (`findTarget(clerkUrl)`).
    pub org_sync_target: Option<SyncTarget>,
}

impl RequestContext {
    /// `createAuthenticateContext` for this instance (which has a publishable key: the
    /// family of its suffixed cookies).
    pub fn new(clerk: &Clerk, parts: &Parts, family: &CookieFamily, now_secs: i64) -> Self {
        let headers = &parts.headers;
        let url = clerk_url(parts);
        let suffixed = uses_suffixed_cookies(headers, family, now_secs);
        let get = |name: &str| cookie(headers, name).filter(|v| !v.is_empty());
        let get_either = |name: &str| {
            if suffixed {
                get(&format!("{name}_{}", family.suffix))
            } else {
                get(name)
            }
        };
        let query = |name: &str| query_get(&url, name).filter(|v| !v.is_empty());
        let settings = &clerk.inner.frontend;
        let frontend_api = match settings.proxy_url.as_deref() {
            Some(proxy) if proxy.starts_with('/') => {
                format!("{}{proxy}", url.origin().ascii_serialization())
            }
            Some(proxy) => proxy.to_owned(),
            None => family.frontend_api.clone(),
        };
        Self {
            method: parts.method.clone(),
            sec_fetch_dest: header(headers, "sec-fetch-dest"),
            accept: header(headers, "accept"),
            origin: header(headers, "origin"),
            referrer: header(headers, "referer"),
            token_in_header: header_token(headers).map(str::to_owned),
            session_token_in_cookie: get_either("__session"),
            refresh_token_in_cookie: get(&format!("__refresh_{}", family.suffix)),
            client_uat: get_either("__client_uat")
                .map(|v| super::parse_int_like_js(&v))
                .unwrap_or(0.0),
            dev_browser_token: query(names::DEV_BROWSER).or_else(|| get_either(names::DEV_BROWSER)),
            handshake_token: query(names::HANDSHAKE).or_else(|| get(names::HANDSHAKE)),
            handshake_nonce: query(names::HANDSHAKE_NONCE).or_else(|| get(names::HANDSHAKE_NONCE)),
            redirect_count: js_number(&get(names::REDIRECT_COUNT).unwrap_or_default()),
            uses_suffixed_cookies: suffixed,
            production: family.production,
            is_satellite: settings.is_satellite,
            frontend_api,
            org_sync_target: settings
                .organization_sync
                .as_ref()
                .and_then(|matcher| matcher.find_target(url.path())),
            url,
            headers: headers.clone(),
        }
    }

    /// `sessionTokenInCookie || tokenInHeader`.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token_in_cookie
            .as_deref()
            .or(self.token_in_header.as_deref())
    }

    /// `isRequestEligibleForHandshake` (spec §1.4): exact, case-sensitive matching.
    pub fn eligible_for_handshake(&self) -> bool {
        self.method == Method::GET
            && match self.sec_fetch_dest.as_deref() {
                Some(dest) => dest == "document" || dest == "iframe",
                None => self
                    .accept
                    .as_deref()
                    .is_some_and(|a| a.starts_with("text/html")),
            }
    }

    /// A `GET` whose `Sec-Fetch-Dest` is exactly `document` (satellite and cross-origin
    /// sync; `iframe` does not count).
    pub fn is_document_get(&self) -> bool {
        self.method == Method::GET && self.sec_fetch_dest.as_deref() == Some("document")
    }
}

/// `Headers.get(name) || undefined`: repeated headers joined with `", "`, empty = absent.
pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    joined(headers, name).filter(|v| !v.is_empty())
}

/// `Headers.get(name)`: `None` only when absent.
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut values = headers.get_all(name).iter().peekable();
    values.peek()?;
    let parts: Vec<String> = values
        .map(|v| latin1(v.as_bytes()).trim_matches([' ', '\t']).to_owned())
        .collect();
    Some(parts.join(", "))
}

/// Header bytes as JavaScript reads them (Latin-1), for anything not UTF-8.
fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// `URLSearchParams.get(name)`: the first value, form-decoded.
pub(crate) fn query_get(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `URLSearchParams.has(name)`.
pub(crate) fn query_has(url: &Url, name: &str) -> bool {
    url.query_pairs().any(|(k, _)| k == name)
}

/// The URL with these parameters deleted and its query re-serialized as
/// `application/x-www-form-urlencoded`, as any `searchParams` mutation does (spec §0).
pub(crate) fn without_params(url: &Url, names: &[&str]) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !names.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    with_pairs(url, &pairs)
}

/// The URL with exactly these query pairs (none: no `?`).
pub(crate) fn with_pairs(url: &Url, pairs: &[(String, String)]) -> Url {
    let mut out = url.clone();
    if pairs.is_empty() {
        out.set_query(None);
    } else {
        out.query_pairs_mut().clear().extend_pairs(pairs);
    }
    out
}

/// `ClerkRequest.deriveUrlFromHeaders` (spec §1.1). The initial URL is the request's URI
/// (axum's `OriginalUri` under a nested router) when
/// absolute, else `http://<Host>` (or `http://localhost`) and the path and query, as
/// `@clerk/express` builds it.
pub(crate) fn clerk_url(parts: &Parts) -> Url {
    let fallback = || Url::parse("http://localhost/").expect("a valid URL");
    // Under `Router::nest` the request's URI lost its prefix; axum keeps the original.
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let initial = if uri.scheme().is_some() {
        Url::parse(&uri.to_string()).unwrap_or_else(|_| fallback())
    } else {
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        Url::parse(&format!("http://{host}"))
            .and_then(|base| base.join(&path))
            .or_else(|_| fallback().join(&path))
            .unwrap_or_else(|_| fallback())
    };
    let first = |v: Option<String>| v.map(|v| v.split(',').next().unwrap_or_default().to_owned());
    let forwarded_host = first(joined(&parts.headers, "x-forwarded-host"));
    let forwarded_proto = first(joined(&parts.headers, "x-forwarded-proto"));
    let host = forwarded_host.or_else(|| joined(&parts.headers, "host"));
    let proto = forwarded_proto.unwrap_or_else(|| initial.scheme().to_owned());
    let initial_origin = initial.origin().ascii_serialization();
    let origin = match host {
        Some(host) if !host.is_empty() && !proto.is_empty() => format!("{proto}://{host}"),
        _ => return initial,
    };
    if origin == initial_origin {
        return initial;
    }
    let path_and_search = format!(
        "{}{}",
        initial.path(),
        // `URL.search`: an empty query is no query.
        initial
            .query()
            .filter(|q| !q.is_empty())
            .map(|q| format!("?{q}"))
            .unwrap_or_default()
    );
    Url::parse(&origin)
        .and_then(|base| base.join(&path_and_search))
        .unwrap_or(initial)
}

/// `Number(value) || 0` (spec §0): whole-string numeric parse with surrounding whitespace
/// trimmed, `0x`/`0o`/`0b` prefixes, `Infinity`; anything else, or NaN, is 0.
pub(crate) fn js_number(value: &str) -> f64 {
    let s = value.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if s.is_empty() {
        return 0.0;
    }
    let radix = |prefix: &[&str], radix: u32| {
        prefix.iter().find_map(|p| s.strip_prefix(p)).map(|digits| {
            if digits.is_empty() {
                return f64::NAN;
            }
            digits
                .chars()
                .try_fold(0f64, |acc, c| {
                    c.to_digit(radix)
                        .map(|d| acc * f64::from(radix) + f64::from(d))
                })
                .unwrap_or(f64::NAN)
        })
    };
    let parsed = radix(&["0x", "0X"], 16)
        .or_else(|| radix(&["0o", "0O"], 8))
        .or_else(|| radix(&["0b", "0B"], 2))
        .unwrap_or_else(|| {
            let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
            let negative = s.starts_with('-');
            if unsigned == "Infinity" {
                return if negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                };
            }
            let numeric = unsigned
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
                && unsigned
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_digit() || b == b'.');
            if !numeric {
                return f64::NAN;
            }
            s.parse::<f64>().unwrap_or(f64::NAN)
        });
    if parsed.is_nan() {
        0.0
    } else {
        parsed + 0.0
    }
}

/// `String(n)` of a JavaScript number, for the loop counter cookie (`3.5 + 1` → `4.5`).
pub(crate) fn js_number_string(n: f64) -> String {
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if n == n.trunc() && n.abs() < 1e21 {
        return format!("{}", n as i128);
    }
    format!("{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut req = http::Request::builder().uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn url_from_host_and_forwarded_headers() {
        let u = |uri, h: &[(&str, &str)]| clerk_url(&parts(uri, h)).to_string();
        assert_eq!(u("/p?q=1", &[("host", "a.com")]), "http://a.com/p?q=1");
        assert_eq!(
            u(
                "/p",
                &[
                    ("host", "a.com"),
                    ("x-forwarded-host", "app.example.com, other"),
                    ("x-forwarded-proto", "https,http")
                ]
            ),
            "https://app.example.com/p"
        );
        // An empty X-Forwarded-Host falls back to the initial URL, not to Host.
        assert_eq!(
            u("/p", &[("host", "a.com"), ("x-forwarded-host", "")]),
            "http://a.com/p"
        );
        assert_eq!(
            u(
                "/p",
                &[("host", "App.COM:443"), ("x-forwarded-proto", "https")]
            ),
            "https://app.com/p"
        );
        assert_eq!(
            u("/p", &[("host", "a.com"), ("x-forwarded-host", "a b")]),
            "http://a.com/p"
        );
        // As `new URL(req.url, base)` of `@clerk/express`: `//evil.com/x` is a
        // scheme-relative reference first, then the forwarded host replaces its origin.
        assert_eq!(
            u(
                "//evil.com/x",
                &[("host", "a.com"), ("x-forwarded-host", "b.com")]
            ),
            "http://b.com/x"
        );
    }

    #[test]
    fn numbers_as_javascript_reads_them() {
        for (s, n) in [
            ("3", 3.0),
            (" 3", 3.0),
            ("0x3", 3.0),
            ("3.0", 3.0),
            ("3e0", 3.0),
            ("3.5", 3.5),
            ("abc", 0.0),
            ("", 0.0),
            ("\"3\"", 0.0),
            ("-1", -1.0),
            ("Infinity", f64::INFINITY),
            ("-0", 0.0),
        ] {
            assert_eq!(js_number(s), n, "{s}");
        }
        assert_eq!(js_number_string(4.5), "4.5");
        assert_eq!(js_number_string(5.0), "5");
        assert_eq!(js_number_string(0.0), "0");
        assert_eq!(js_number_string(f64::INFINITY), "Infinity");
    }

    #[test]
    fn query_mutation_reserializes() {
        let url = Url::parse("http://a.com/p?flag&q=a%20b&x=~&__clerk_db_jwt=z").unwrap();
        assert_eq!(
            without_params(&url, &["__clerk_db_jwt"]).as_str(),
            "http://a.com/p?flag=&q=a+b&x=%7E"
        );
        let url = Url::parse("http://a.com/p?").unwrap();
        assert_eq!(without_params(&url, &["x"]).as_str(), "http://a.com/p");
        let url = Url::parse("http://a.com/p?a=1;b=2").unwrap();
        assert_eq!(
            without_params(&url, &["x"]).as_str(),
            "http://a.com/p?a=1%3Bb%3D2"
        );
    }
}
