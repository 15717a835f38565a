//! JWT templates.

use serde::{Deserialize, Serialize};

/// A template for custom session tokens (spec: `JWTTemplate`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JwtTemplate {
    /// Always `jwt_template`.
    pub object: String,
    /// Unique identifier, e.g. `jtmp_2abc…`.
    pub id: String,
    /// Name of the template, used in `POST /sessions/{id}/tokens/{name}`.
    pub name: String,
    /// Claims template, with `{{user.…}}` shortcodes.
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// Token lifetime in seconds.
    pub lifetime: i64,
    /// Allowed clock skew in seconds.
    pub allowed_clock_skew: i64,
    /// Whether the template signs with a custom key.
    pub custom_signing_key: bool,
    /// Signing algorithm, e.g. `RS256`.
    pub signing_algorithm: String,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}
