//! Helpers shared by the integration tests (each test binary uses a subset).
#![allow(dead_code, unused_imports)]

pub mod api;
pub mod http;
pub mod logs;
pub mod mock;
pub mod prop;
pub mod server;

pub use api::{expect_error, meta};
pub use logs::LogCapture;
pub use prop::{prop_cases, prop_runner};
pub use server::serve;

/// The development browser every browser of a development instance has (without one,
/// `@clerk/backend` answers `dev-browser-missing` before reading the session): a
/// `Cookie` value with `__clerk_db_jwt` in the plain family, and in the family of each
/// suffix that these `Cookie` header values use (`__session_<suffix>`,
/// `__client_uat_<suffix>`).
pub fn dev_browser_cookies<'a>(cookie_values: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut out = vec!["__clerk_db_jwt=dvb_test".to_owned()];
    for value in cookie_values {
        for pair in String::from_utf8_lossy(value).split(';') {
            let key = pair.split('=').next().unwrap_or_default().trim();
            let suffix = key
                .strip_prefix("__session_")
                .or_else(|| key.strip_prefix("__client_uat_"));
            if let Some(suffix) = suffix.filter(|s| s.len() == 8) {
                out.push(format!("__clerk_db_jwt_{suffix}=dvb_test"));
            }
        }
    }
    out.join("; ")
}
