//! The publishable key: which Frontend API, which kind of instance, which cookies.

use std::fmt;

use crate::token::b64;

/// Whether an instance is for development or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceType {
    /// `pk_test_…` / `sk_test_…`.
    Development,
    /// `pk_live_…` / `sk_live_…`.
    Production,
}

/// A decoded publishable key.
///
/// ```
/// use clerk_runtime::PublishableKey;
/// // "pk_live_" + base64("clerk.example.com$")
/// let pk = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").unwrap();
/// assert_eq!(pk.frontend_api(), "clerk.example.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublishableKey {
    key: String,
    frontend_api: String,
    instance_type: InstanceType,
}

impl PublishableKey {
    /// Decodes a key as `parsePublishableKey` does: `pk_test_`/`pk_live_`, then standard
    /// base64 of `<frontend api host>$`.
    pub fn parse(key: &str) -> Result<Self, &'static str> {
        let instance_type = if key.starts_with("pk_live_") {
            InstanceType::Production
        } else if key.starts_with("pk_test_") {
            InstanceType::Development
        } else {
            return Err("it must start with `pk_test_` or `pk_live_`");
        };
        let parts: Vec<&str> = key.split('_').collect();
        if parts.len() != 3 {
            return Err("it must have exactly three `_`-separated parts");
        }
        let decoded = b64::decode_standard(parts[2]).ok_or("its third part is not base64")?;
        let text = String::from_utf8(decoded).map_err(|_| "it does not decode to text")?;
        let host = text
            .strip_suffix('$')
            .ok_or("it does not decode to a host ending in `$`")?;
        if host.contains('$') || !host.contains('.') {
            return Err("it does not decode to a Frontend API host");
        }
        Ok(Self {
            key: key.to_owned(),
            frontend_api: host.to_owned(),
            instance_type,
        })
    }

    /// The Frontend API host, e.g. `clerk.example.com` or `foo-bar-13.clerk.accounts.dev`.
    pub fn frontend_api(&self) -> &str {
        &self.frontend_api
    }

    /// `https://<frontend api>`: the `iss` of this instance's session tokens.
    pub fn frontend_api_url(&self) -> String {
        format!("https://{}", self.frontend_api)
    }

    /// The Accounts Portal of the instance, as `buildAccountsBaseUrl` of `@clerk/shared`
    /// derives it from the Frontend API: `clerk.example.com` → `https://accounts.example.com`,
    /// `foo-bar-13.clerk.accounts.dev` → `https://foo-bar-13.accounts.dev`.
    ///
    /// ```
    /// use clerk_runtime::PublishableKey;
    /// // "pk_test_" + base64("foo.clerk.accountsstage.dev$")
    /// let pk = PublishableKey::parse("pk_test_Zm9vLmNsZXJrLmFjY291bnRzc3RhZ2UuZGV2JA==").unwrap();
    /// assert_eq!(pk.accounts_portal_url(), "https://foo.accountsstage.dev");
    /// ```
    pub fn accounts_portal_url(&self) -> String {
        accounts_base_url(&self.frontend_api)
    }

    /// Development or production.
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The suffix of this instance's cookies (`__session_<suffix>`): the first 8 characters
    /// of the URL-safe base64 of SHA-1 of the key.
    pub fn cookie_suffix(&self) -> String {
        use base64::Engine as _;
        let digest = sha1_smol::Sha1::from(self.key.as_bytes()).digest().bytes();
        let mut encoded = base64::engine::general_purpose::URL_SAFE.encode(digest);
        encoded.truncate(8);
        encoded
    }
}

impl fmt::Debug for PublishableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishableKey")
            .field("frontend_api", &self.frontend_api)
            .field("instance_type", &self.instance_type)
            .finish()
    }
}

/// `buildAccountsBaseUrl(frontendApi)` of `@clerk/shared`: `clerk.accountsstage.` becomes
/// `accountsstage.`, then the first `clerk.accounts.` or `clerk.` (whichever starts first,
/// the longer at the same place) becomes `accounts.`, wherever it is in the host.
pub(crate) fn accounts_base_url(frontend_api: &str) -> String {
    let host = frontend_api.replacen("clerk.accountsstage.", "accountsstage.", 1);
    let host = match host.find("clerk.") {
        Some(i) => {
            let len = if host[i..].starts_with("clerk.accounts.") {
                "clerk.accounts.".len()
            } else {
                "clerk.".len()
            };
            format!("{}accounts.{}", &host[..i], &host[i + len..])
        }
        None => host,
    };
    format!("https://{host}")
}
