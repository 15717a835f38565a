//! Sessions, clients, and the session tokens minted from them.

use serde::{Deserialize, Serialize};

string_enum! {
    /// Status of a [`Session`].
    pub enum SessionStatus {
        /// Signed in.
        Active = "active",
        /// Revoked through the Backend API.
        Revoked = "revoked",
        /// Signed out.
        Ended = "ended",
        /// Reached its maximum lifetime.
        Expired = "expired",
        /// Removed by the user.
        Removed = "removed",
        /// Inactive for longer than the inactivity timeout.
        Abandoned = "abandoned",
        /// Replaced by another session.
        Replaced = "replaced",
        /// Signed in, with session tasks still to complete.
        Pending = "pending",
    }
}

/// A session of a user on a client (spec: `Session`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Always `session`.
    pub object: String,
    /// Unique identifier, e.g. `sess_2abc…`.
    pub id: String,
    /// ID of the signed-in user.
    pub user_id: String,
    /// ID of the client (browser or device) holding the session.
    pub client_id: String,
    /// The impersonator's claims (`{"sub": …}`) for an actor session.
    #[serde(default)]
    pub actor: Option<serde_json::Map<String, serde_json::Value>>,
    /// Status of the session.
    pub status: SessionStatus,
    /// ID of the organization last active in the session.
    #[serde(default)]
    pub last_active_organization_id: Option<String>,
    /// Unix timestamp (ms) of the last activity.
    pub last_active_at: i64,
    /// Where and on what the session was last active.
    #[serde(default)]
    pub latest_activity: Option<SessionActivity>,
    /// Unix timestamp (ms) of expiration.
    pub expire_at: i64,
    /// Unix timestamp (ms) of abandonment.
    pub abandon_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Tasks the user must complete before the session becomes active.
    #[serde(default)]
    pub tasks: Option<Vec<SessionTask>>,
}

/// The latest activity of a session (spec: `SessionActivityResponse`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionActivity {
    /// Always `session_activity`.
    pub object: String,
    /// Unique identifier, e.g. `sess_activity_2abc…`.
    pub id: String,
    /// Device type, e.g. `Macintosh`.
    #[serde(default)]
    pub device_type: Option<String>,
    /// Whether the device is mobile.
    pub is_mobile: bool,
    /// Browser name, e.g. `Chrome`.
    #[serde(default)]
    pub browser_name: Option<String>,
    /// Browser version.
    #[serde(default)]
    pub browser_version: Option<String>,
    /// IP address.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// City, from the IP address.
    #[serde(default)]
    pub city: Option<String>,
    /// Country, from the IP address.
    #[serde(default)]
    pub country: Option<String>,
}

/// A task pending on a session (spec: `SessionTask`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionTask {
    /// The task, e.g. `choose-organization`.
    pub key: String,
}

/// A browser or device that signs users in (spec: `Client`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// Always `client`.
    pub object: String,
    /// Unique identifier, e.g. `client_2abc…`.
    pub id: String,
    /// IDs of the client's sessions.
    pub session_ids: Vec<String>,
    /// The client's sessions.
    pub sessions: Vec<Session>,
    /// ID of the sign-in in progress.
    pub sign_in_id: Option<String>,
    /// ID of the sign-up in progress.
    pub sign_up_id: Option<String>,
    /// ID of the last active session.
    pub last_active_session_id: Option<String>,
    /// Strategy last used to authenticate on this client.
    pub last_authentication_strategy: Option<String>,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
}

/// A session token (spec: `Token`), from `POST /sessions/{id}/tokens[/{template}]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Token {
    /// Always `token`.
    pub object: String,
    /// The encoded JSON Web Token.
    pub jwt: String,
}

/// Session cookies (spec: `Cookies`), from a refresh with `format: "cookie"`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cookies {
    /// Always `cookies`.
    pub object: String,
    /// `Set-Cookie` directives.
    pub cookies: Vec<String>,
}

/// Result of `POST /sessions/{id}/refresh` (spec: `SessionRefresh`, a `oneOf`).
///
/// Told apart by shape, not by `object`: a body with `jwt` is a [`Token`], one with
/// `cookies` is [`Cookies`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SessionRefresh {
    /// A fresh session token (`format: "token"`, the default).
    Token(Token),
    /// Cookie directives (`format: "cookie"`).
    Cookies(Cookies),
}

impl SessionRefresh {
    /// The JWT, when the refresh returned a token.
    pub fn jwt(&self) -> Option<&str> {
        match self {
            Self::Token(token) => Some(&token.jwt),
            Self::Cookies(_) => None,
        }
    }

    /// The cookie directives, when the refresh returned cookies.
    pub fn cookies(&self) -> Option<&[String]> {
        match self {
            Self::Token(_) => None,
            Self::Cookies(cookies) => Some(&cookies.cookies),
        }
    }
}
