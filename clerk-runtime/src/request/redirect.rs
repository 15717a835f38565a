//! `redirectToSignIn()` of `@clerk/backend` 3.25's `createRedirect` (what `auth.protect()` of
//! `@clerk/nextjs` answers a signed-out navigation with): the sign-in URL with
//! `redirect_url` back to the request, the development browser's token for a cross-origin
//! sign-in page, `__clerk_synced=false` on a satellite's way back, `/tasks` for a pending
//! session.

use reqwest::Url;

use super::context::{clerk_url, names, query_get};
use crate::clerk::Clerk;
use crate::token::extract::cookie;

impl Clerk {
    /// Where a signed-out browser navigation is sent (`protect(redirect_to_sign_in)`,
    /// `ClerkLayer::redirect_to_sign_in`); `None` without a sign-in URL (no
    /// `CLERK_SIGN_IN_URL` and no publishable key) or when it is not a URL.
    pub(crate) fn sign_in_redirect_url(
        &self,
        parts: &http::request::Parts,
        session_pending: bool,
    ) -> Option<String> {
        let sign_in = self.sign_in_url()?;
        // `baseUrl` and `returnBackUrl`: the request's URL as Clerk derives it.
        let base = clerk_url(parts);
        let target = if session_pending {
            format!("{sign_in}/tasks")
        } else {
            sign_in.to_owned()
        };
        let mut out = base.join(&target).ok()?;
        // `${hostname}:${port}`: the scheme does not count, a default port is empty.
        let host_port = |u: &Url| format!("{}:{}", u.host_str().unwrap_or_default(), port(u));
        let cross_origin = host_port(&base) != host_port(&out);
        let mut back = base.clone();
        if cross_origin && self.is_satellite() {
            set_param(&mut back, names::SYNCED, "false");
        }
        set_param(&mut out, "redirect_url", back.as_str());
        let development = self
            .inner
            .suffixed_cookies
            .as_ref()
            .is_some_and(|family| !family.production);
        if cross_origin && development {
            // As `auth()` of `@clerk/nextjs` reads it: the query, then the plain cookie.
            let dev_browser = query_get(&base, names::DEV_BROWSER)
                .filter(|v| !v.is_empty())
                .or_else(|| cookie(&parts.headers, names::DEV_BROWSER))
                .filter(|v| !v.is_empty());
            if let Some(token) = dev_browser {
                set_param(&mut out, names::DEV_BROWSER, &token);
            }
        }
        Some(out.into())
    }
}

/// `url.port` of WHATWG URLs: empty for the scheme's default port.
fn port(url: &Url) -> String {
    url.port().map(|p| p.to_string()).unwrap_or_default()
}

/// `searchParams.set(name, value)`: replaces the first pair of that name (dropping the
/// others) or appends one, and re-serializes the query as a form.
fn set_param(url: &mut Url, name: &str, value: &str) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut set = false;
    for (k, v) in url.query_pairs() {
        if k == name {
            if !set {
                pairs.push((name.to_owned(), value.to_owned()));
                set = true;
            }
        } else {
            pairs.push((k.into_owned(), v.into_owned()));
        }
    }
    if !set {
        pairs.push((name.to_owned(), value.to_owned()));
    }
    url.query_pairs_mut().clear().extend_pairs(&pairs);
}
