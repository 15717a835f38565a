//! The fullstack options of [`ClerkBuilder`]: sign-in and sign-up URLs, satellite, domain,
//! proxy (docs/handshake-spec.md §9).

use super::{ClerkBuilder, ConfigError};
use crate::frontend::{is_truthy, FrontendSettings};

impl ClerkBuilder {
    /// The fullstack settings, each option before its environment variable, and the
    /// checks `@clerk/backend` (and its adapters) make of a satellite.
    pub(super) fn frontend_settings(
        &self,
        secret_key: Option<&str>,
    ) -> Result<FrontendSettings, ConfigError> {
        let value = |option: &Option<String>, name: &'static str, var: &'static str| {
            self.pick(option, name, var)
        };
        let sign_in_url = value(
            &self.sign_in_url,
            "the `sign_in_url` option",
            "CLERK_SIGN_IN_URL",
        )
        .map(|(v, _)| v);
        let sign_up_url = value(
            &self.sign_up_url,
            "the `sign_up_url` option",
            "CLERK_SIGN_UP_URL",
        )
        .map(|(v, _)| v);
        let domain = value(&self.domain, "the `domain` option", "CLERK_DOMAIN").map(|(v, _)| v);
        let proxy_url = match value(&self.proxy_url, "the `proxy_url` option", "CLERK_PROXY_URL") {
            Some((url, origin)) => {
                let absolute = reqwest::Url::parse(&url)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
                if !absolute && !url.starts_with('/') {
                    return Err(ConfigError::InvalidProxyUrl { origin });
                }
                Some(url)
            }
            None => None,
        };
        let is_satellite = self.is_satellite.unwrap_or_else(|| {
            self.env("CLERK_IS_SATELLITE")
                .is_some_and(|v| is_truthy(&v))
        });
        if is_satellite {
            if domain.is_none() && proxy_url.is_none() {
                return Err(ConfigError::SatelliteNeedsDomainOrProxy);
            }
            let development =
                secret_key.is_some_and(|k| k.starts_with("sk_test_") || k.starts_with("test_"));
            let absolute = sign_in_url
                .as_deref()
                .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
            if development && !absolute {
                return Err(ConfigError::SatelliteNeedsSignInUrl);
            }
        }
        Ok(FrontendSettings {
            sign_in_url,
            sign_up_url,
            is_satellite,
            domain,
            proxy_url,
            organization_sync: self.organization_matcher()?,
        })
    }
}
