//! What a browser session is made of once it leaves Clerk: the session token minted for a
//! session, and the `Set-Cookie` directives that carry it (and the rest of the browser's
//! Clerk cookies) to the app, as the Frontend API's handshake and the Backend API's
//! `format: cookie` refresh hand them out.

use std::sync::Arc;

use serde_json::{json, Value};

use super::Store;
use crate::token::TokenBuilder;
use crate::MockKey;

/// Lifetime of a session token (Clerk: 60 s).
pub(crate) const SESSION_TOKEN_LIFETIME: i64 = 60;
/// `Max-Age` of `__client_uat` (10 years, as Clerk sets it).
const CLIENT_UAT_MAX_AGE: i64 = 315_360_000;

/// A fresh session token of an `active` session (claims as every token the stand-in mints:
/// `sub`, `sid`, `sts`, `act` when impersonated, the active organization as `o`) with this
/// `azp`, and the `__client_uat` value that goes with it: the sign-in time in seconds, never
/// after the token's `iat`. `None` when the session is unknown or not active, or its user
/// is gone.
pub(crate) fn mint_session_token(
    store: &Store,
    key: Arc<MockKey>,
    session_id: &str,
    azp: &str,
) -> Option<(String, i64)> {
    let session = store.sessions.get(session_id)?;
    if session["status"].as_str() != Some("active") {
        return None;
    }
    let user_id = session["user_id"].as_str()?;
    if !store.users.contains_key(user_id) {
        return None;
    }
    let mut builder = TokenBuilder::new(key, &store.issuer)
        .user(user_id)
        .session(session_id)
        .azp(azp)
        .claim("sts", "active")
        .expires_in_secs(SESSION_TOKEN_LIFETIME);
    if let Some(actor) = session.get("actor").filter(|a| a.is_object()) {
        builder = builder.claim("act", actor.clone());
    }
    if let Some(org) = active_organization_claim(store, session, user_id) {
        builder = builder.claim("o", org);
    }
    let signed_in_at = session["created_at"].as_i64().unwrap_or_default() / 1000;
    Some((builder.sign(), signed_in_at))
}

/// The `o` claim (v2) of the session's active organization, if the user is still a member:
/// its id, the role without the `org:` prefix and the slug. System permissions are not
/// part of session tokens.
fn active_organization_claim(store: &Store, session: &Value, user_id: &str) -> Option<Value> {
    let org_id = session["last_active_organization_id"].as_str()?;
    let org = store.organizations.get(org_id)?;
    let membership = store.organization_memberships.values().find(|m| {
        m["organization_id"].as_str() == Some(org_id) && m["user_id"].as_str() == Some(user_id)
    })?;
    let role = membership["role"].as_str().unwrap_or_default();
    Some(json!({
        "id": org_id,
        "rol": role.strip_prefix("org:").unwrap_or(role),
        "slg": org["slug"],
    }))
}

/// How the cookie directives are written for one answer.
#[derive(Debug, Clone)]
pub(crate) struct CookieOptions {
    /// The instance's cookie suffix (`__session_<suffix>`).
    pub suffix: String,
    /// Whether the suffixed session cookies are set too (`suffixed_cookies=true`).
    pub suffixed: bool,
    /// `Secure` on every cookie: only for an `https` app, as a browser refuses a `Secure`
    /// cookie from plain `http` (`127.0.0.1` included for some).
    pub secure: bool,
}

impl CookieOptions {
    fn cookie(&self, name: &str, value: &str, attributes: &str) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}={value}; Path=/{attributes}; SameSite=Lax{secure}")
    }

    /// The names a cookie is set under: plain, and suffixed when the suffixed family is used.
    fn names(&self, base: &str) -> Vec<String> {
        let mut names = vec![base.to_owned()];
        if self.suffixed {
            names.push(format!("{base}_{}", self.suffix));
        }
        names
    }

    /// `__client_uat` and `__session` (then their suffixed twins): a signed-in browser
    /// with this token, or a signed-out one (`__client_uat=0`, `__session` cleared). The
    /// last `__session*` directive is the one an SDK reads, so both carry the same token.
    pub fn session(&self, signed_in: Option<(&str, i64)>) -> Vec<String> {
        let mut out = Vec::new();
        for (uat, session) in self
            .names("__client_uat")
            .iter()
            .zip(self.names("__session"))
        {
            let max_age = format!("; Max-Age={CLIENT_UAT_MAX_AGE}");
            match signed_in {
                Some((jwt, signed_in_at)) => {
                    out.push(self.cookie(uat, &signed_in_at.to_string(), &max_age));
                    out.push(self.cookie(&session, jwt, ""));
                }
                None => {
                    out.push(self.cookie(uat, "0", &max_age));
                    out.push(self.cookie(&session, "", "; Max-Age=0"));
                }
            }
        }
        out
    }

    /// The development browser, `__clerk_db_jwt` (suffixed too when the session cookies
    /// are: the SDK reads it under the same choice).
    pub fn dev_browser(&self, token: &str) -> Vec<String> {
        self.names("__clerk_db_jwt")
            .iter()
            .map(|name| self.cookie(name, token, ""))
            .collect()
    }

    /// The refresh token, `__refresh_<suffix>` (the only name an SDK reads), or its removal.
    pub fn refresh(&self, token: Option<&str>) -> String {
        let name = format!("__refresh_{}", self.suffix);
        match token {
            Some(token) => self.cookie(&name, token, "; HttpOnly"),
            None => self.cookie(&name, "", "; Max-Age=0; HttpOnly"),
        }
    }
}

/// A directive that deletes a cookie (the production handshake's nonce or token cookie,
/// which the SDK never deletes itself).
pub(crate) fn expire_cookie(name: &str) -> String {
    format!("{name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
}

/// The suffix of an instance's cookies: the first 8 characters of the URL-safe base64 of
/// SHA-1 of its publishable key.
pub(crate) fn cookie_suffix(publishable_key: &str) -> String {
    clerk_runtime::PublishableKey::parse(publishable_key)
        .map(|pk| pk.cookie_suffix())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(suffixed: bool, secure: bool) -> CookieOptions {
        CookieOptions {
            suffix: "sfx12345".into(),
            suffixed,
            secure,
        }
    }

    #[test]
    fn signed_in_and_signed_out_directives() {
        assert_eq!(
            options(false, false).session(Some(("jwt", 1_700_000_000))),
            [
                "__client_uat=1700000000; Path=/; Max-Age=315360000; SameSite=Lax",
                "__session=jwt; Path=/; SameSite=Lax",
            ]
        );
        assert_eq!(
            options(true, true).session(None),
            [
                "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax; Secure",
                "__session=; Path=/; Max-Age=0; SameSite=Lax; Secure",
                "__client_uat_sfx12345=0; Path=/; Max-Age=315360000; SameSite=Lax; Secure",
                "__session_sfx12345=; Path=/; Max-Age=0; SameSite=Lax; Secure",
            ]
        );
        assert_eq!(
            options(false, false).refresh(Some("rt")),
            "__refresh_sfx12345=rt; Path=/; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            options(true, false).dev_browser("dvb"),
            [
                "__clerk_db_jwt=dvb; Path=/; SameSite=Lax",
                "__clerk_db_jwt_sfx12345=dvb; Path=/; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn suffix_of_the_reference_key() {
        // The example of the behavioural spec (docs/handshake-spec.md §0).
        assert_eq!(
            cookie_suffix("pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk"),
            "nx2hSE6I"
        );
    }
}
