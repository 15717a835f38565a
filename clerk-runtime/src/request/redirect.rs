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
    /// Where to send this request's browser to sign in, as `redirectToSignIn()` of
    /// `@clerk/nextjs`'s `auth()` builds it (and `protect(redirect_to_sign_in)` and
    /// [`ClerkLayer::redirect_to_sign_in`](crate::ClerkLayer::redirect_to_sign_in) answer a
    /// signed-out navigation with): the sign-in URL (`CLERK_SIGN_IN_URL`, else the Accounts
    /// Portal of the publishable key) with `redirect_url` back to the request; on a
    /// development instance, the development browser's token when the sign-in page is on
    /// another host; on a satellite, `__clerk_synced=false` on the way back; for a pending
    /// session (`auth.session_status() == Some("pending")`), the sign-in URL's `/tasks`.
    /// `None` without a sign-in URL or when it is not a URL.
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, parts: http::request::Parts) {
    /// let auth = clerk.authenticate_request(&parts).await.to_auth();
    /// if !auth.is_signed_in() {
    ///     if let Some(url) = clerk.sign_in_redirect_url(&parts, &auth) {
    ///         println!("307 to {url}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn sign_in_redirect_url(
        &self,
        parts: &http::request::Parts,
        auth: &crate::auth::Auth,
    ) -> Option<String> {
        self.sign_in_redirect(parts, auth.session_status() == Some("pending"))
    }

    /// [`sign_in_redirect_url`](Self::sign_in_redirect_url) with the session's status known.
    pub(crate) fn sign_in_redirect(
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
