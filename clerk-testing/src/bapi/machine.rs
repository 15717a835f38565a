//! Machine tokens in the local Backend API: `POST /api_keys/verify`, `POST /m2m_tokens/verify`
//! and `POST /oauth_applications/access_tokens/verify` (unversioned paths, as Clerk serves
//! them), over an in-memory store seeded with [`MockClerk::create_api_key`] and friends.
//!
//! Answers follow the spec: a live token is a 200 with its object; an unknown, revoked or
//! expired one (`revoked`/`expired` set, or its `expiration` past) is a 404
//! `resource_not_found` with Clerk's error body, as the real API answers it (its only
//! documented refusals are 400 and 404, and Clerk's own client reads no flag of a 200: it
//! treats every 200 as a valid token); a body without its field is a 400.
//! `POST /m2m_tokens/verify` also accepts the mock's
//! [`machine secret key`](MockClerk::machine_secret_key). To check how a client handles a
//! 200 that says `revoked: true`, inject it with [`Fault::Json`](crate::Fault::Json).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{error, json_body, now_ms};
use crate::{random_id, MockClerk, State, TokenBuilder};

/// Machine tokens by their secret, as the verify endpoints serve them.
#[derive(Debug, Default)]
pub(crate) struct MachineStore {
    pub api_keys: BTreeMap<String, Value>,
    pub m2m_tokens: BTreeMap<String, Value>,
    pub oauth_tokens: BTreeMap<String, Value>,
    /// `Bearer …` value accepted by `POST /m2m_tokens/verify` besides the secret key.
    pub machine_secret_key: Option<String>,
}

impl MachineStore {
    fn all_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.api_keys
            .values_mut()
            .chain(self.m2m_tokens.values_mut())
            .chain(self.oauth_tokens.values_mut())
    }
}

pub(super) const M2M_VERIFY_PATH: &str = "/m2m_tokens/verify";

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/api_keys/verify", post(verify_api_key))
        .route(M2M_VERIFY_PATH, post(verify_m2m_token))
        .route(
            "/oauth_applications/access_tokens/verify",
            post(verify_oauth_token),
        )
}

/// Whether `authorization` is `Bearer <machine secret key>` of this mock.
pub(super) fn is_machine_secret_key(state: &State, authorization: Option<&str>) -> bool {
    let store = state.store.lock().unwrap();
    match (&store.machine.machine_secret_key, authorization) {
        (Some(key), Some(auth)) => auth.strip_prefix("Bearer ") == Some(key.as_str()),
        _ => false,
    }
}

/// The token of a verify body, or the 400 of a missing field.
fn field(body: &Bytes, names: &[&str]) -> Result<String, Response> {
    let body = json_body(body)?;
    names
        .iter()
        .find_map(|name| match body.get(*name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
        .ok_or_else(|| {
            error(
                400,
                "form_param_missing",
                &format!("{} must be included.", names[0]),
                Some(names[0]),
            )
        })
}

/// The stored object of a live token, with `last_used_at` set to now, or Clerk's 404 for
/// a token that is unknown, revoked or expired.
fn answer(object: Option<&mut Value>) -> Response {
    let now = now_ms();
    match object {
        Some(object) if is_live(object, now) => {
            if object.get("last_used_at").is_some() {
                object["last_used_at"] = json!(now);
            }
            Json(object.clone()).into_response()
        }
        _ => error(404, "resource_not_found", "not found", None),
    }
}

/// Neither revoked nor expired, by its flags or by its `expiration` (milliseconds).
fn is_live(object: &Value, now_ms: i64) -> bool {
    let flag = |name: &str| object.get(name).and_then(Value::as_bool) == Some(true);
    let expired_by_time = object
        .get("expiration")
        .and_then(Value::as_f64)
        .is_some_and(|expiration| expiration <= now_ms as f64);
    !flag("revoked") && !flag("expired") && !expired_by_time
}

async fn verify_api_key(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let secret = match field(&body, &["secret"]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    answer(store.machine.api_keys.get_mut(&secret))
}

async fn verify_m2m_token(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let token = match field(&body, &["token"]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    answer(store.machine.m2m_tokens.get_mut(&token))
}

async fn verify_oauth_token(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    // `secret` is the deprecated name of `access_token`.
    let token = match field(&body, &["access_token", "secret"]) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    answer(store.machine.oauth_tokens.get_mut(&token))
}

fn hex_id(prefix: &str) -> String {
    format!("{prefix}_{:032x}", rand::random::<u128>())
}

fn secret(prefix: &str) -> String {
    format!("{prefix}_{}", random_id(40))
}

impl MockClerk {
    /// Seeds an API key (as the Dashboard or `POST /api_keys` creates it) and returns its
    /// id (`ak_<32 hex>`) and its secret (`ak_…`, what a client sends). `subject` is
    /// `user_…`, `org_…` or `mch_…`; the key is named `mock-api-key`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let (id, secret) = mock.create_api_key("user_1", &["read"], None);
    /// let machine = mock.clerk().verify_machine_token(&secret).await.unwrap();
    /// assert_eq!((machine.id(), machine.user_id()), (id.as_str(), Some("user_1")));
    /// # }
    /// ```
    pub fn create_api_key(
        &self,
        subject: &str,
        scopes: &[&str],
        claims: Option<Value>,
    ) -> (String, String) {
        let id = hex_id("ak");
        let secret = secret("ak");
        let now = now_ms();
        let object = json!({
            "object": "api_key",
            "id": id,
            "type": "api_key",
            "subject": subject,
            "name": "mock-api-key",
            "description": null,
            "claims": claims,
            "scopes": scopes,
            "revoked": false,
            "revocation_reason": null,
            "expired": false,
            "expiration": null,
            "created_by": null,
            "last_used_at": null,
            "created_at": now,
            "updated_at": now,
        });
        let mut store = self.state.store.lock().unwrap();
        store.machine.api_keys.insert(secret.clone(), object);
        (id, secret)
    }

    /// Seeds an opaque M2M token of the machine `machine_id` (`mch_…`), and returns its id
    /// (`mt_<32 hex>`) and the token (`mt_…`). `scopes` are the machines it may reach.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let (_, token) = mock.create_m2m_token("mch_1", &["mch_2"], None);
    /// let machine = mock.clerk().verify_machine_token(&token).await.unwrap();
    /// assert_eq!(machine.machine_id(), Some("mch_1"));
    /// # }
    /// ```
    pub fn create_m2m_token(
        &self,
        machine_id: &str,
        scopes: &[&str],
        claims: Option<Value>,
    ) -> (String, String) {
        let id = hex_id("mt");
        let token = secret("mt");
        let now = now_ms();
        let object = json!({
            "object": "machine_to_machine_token",
            "id": id,
            "subject": machine_id,
            "claims": claims,
            "scopes": scopes,
            "revoked": false,
            "revocation_reason": null,
            "expired": false,
            "expiration": now + 3_600_000,
            "last_used_at": null,
            "created_at": now,
            "updated_at": now,
        });
        let mut store = self.state.store.lock().unwrap();
        store.machine.m2m_tokens.insert(token.clone(), object);
        (id, token)
    }

    /// Seeds an opaque OAuth access token that the OAuth application `client_id` obtained
    /// for `user_id`, and returns its id (`oat_<32 hex>`) and the token (`oat_…`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let (_, token) = mock.create_oauth_token("user_1", "client_1", &["email"]);
    /// let machine = mock.clerk().verify_machine_token(&token).await.unwrap();
    /// assert_eq!((machine.user_id(), machine.client_id()), (Some("user_1"), Some("client_1")));
    /// # }
    /// ```
    pub fn create_oauth_token(
        &self,
        user_id: &str,
        client_id: &str,
        scopes: &[&str],
    ) -> (String, String) {
        let id = hex_id("oat");
        let token = secret("oat");
        let now = now_ms();
        let object = json!({
            "object": "clerk_idp_oauth_access_token",
            "id": id,
            "client_id": client_id,
            "subject": user_id,
            "scopes": scopes,
            "revoked": false,
            "revocation_reason": null,
            "expired": false,
            "expiration": now + 3_600_000,
            "created_at": now,
            "updated_at": now,
        });
        let mut store = self.state.store.lock().unwrap();
        store.machine.oauth_tokens.insert(token.clone(), object);
        (id, token)
    }

    /// Revokes the machine token with this id (`ak_…`, `mt_…`, `oat_…`): verifications now
    /// answer 404 `resource_not_found`, as Clerk answers a revoked token. Returns whether
    /// it exists.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let (id, secret) = mock.create_api_key("user_1", &[], None);
    /// assert!(mock.revoke_machine_token(&id));
    /// let err = mock.clerk().verify_machine_token(&secret).await.unwrap_err();
    /// assert_eq!(err.reason(), "token-invalid");
    /// # }
    /// ```
    pub fn revoke_machine_token(&self, id: &str) -> bool {
        self.update_machine_token(id, |object| {
            object["revoked"] = json!(true);
            object["revocation_reason"] = json!("Revoked by the test");
        })
    }

    /// Marks the machine token with this id as expired (`expired: true`, `expiration` in
    /// the past): verifications now answer 404 `resource_not_found`, as Clerk answers an
    /// expired token. Returns whether it exists.
    pub fn expire_machine_token(&self, id: &str) -> bool {
        self.update_machine_token(id, |object| {
            object["expired"] = json!(true);
            object["expiration"] = json!(now_ms() - 1_000);
        })
    }

    /// Deep-merges `patch` into the served object of a machine token (a `null` deletes a
    /// key), e.g. to drop its `revoked` flag. A patch that sets `revoked` or `expired`, or
    /// an `expiration` in the past, makes verifications answer 404, as revocation and
    /// expiry do. Returns whether it exists.
    pub fn merge_into_machine_token(&self, id: &str, patch: Value) -> bool {
        self.update_machine_token(id, |object| {
            if let (Some(target), Value::Object(patch)) = (object.as_object_mut(), &patch) {
                super::deep_merge(target, patch);
            }
        })
    }

    fn update_machine_token(&self, id: &str, update: impl FnOnce(&mut Value)) -> bool {
        let mut store = self.state.store.lock().unwrap();
        let found = store.machine.all_mut().find(|o| o["id"] == id);
        match found {
            Some(object) => {
                update(object);
                object["updated_at"] = json!(now_ms());
                true
            }
            None => false,
        }
    }

    /// The instance's machine secret key (`ak_…`), accepted by `POST /m2m_tokens/verify`
    /// in place of the secret key (for [`ClerkBuilder::machine_secret_key`](clerk_runtime::ClerkBuilder::machine_secret_key)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let clerk = mock.clerk_builder().machine_secret_key(mock.machine_secret_key()).build().unwrap();
    /// let (_, token) = mock.create_m2m_token("mch_1", &[], None);
    /// assert!(clerk.verify_machine_token(&token).await.is_ok());
    /// # }
    /// ```
    pub fn machine_secret_key(&self) -> String {
        let mut store = self.state.store.lock().unwrap();
        store
            .machine
            .machine_secret_key
            .get_or_insert_with(|| secret("ak"))
            .clone()
    }

    /// A token builder preset for an M2M token in its JWT form: header `cat`
    /// `cl_B7d4PD333AAA`, `typ` `JWT`; claims `sub` = `machine_id`, `jti` (`mt_…`), `iat`,
    /// `nbf`, `exp` (1 h), `scopes` (space-separated), `iss`. Verified locally by the SDK.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let jwt = mock.m2m_jwt("mch_1", &["mch_2"]).sign();
    /// let machine = mock.clerk().verify_machine_token(&jwt).await.unwrap();
    /// assert!(machine.is_jwt() && machine.scopes() == ["mch_2"]);
    /// let expired = mock.oauth_jwt("user_1", "client_1", &[]).expired().sign();
    /// assert!(mock.clerk().verify_machine_token(&expired).await.is_err());
    /// # }
    /// ```
    pub fn m2m_jwt(&self, machine_id: &str, scopes: &[&str]) -> TokenBuilder {
        self.machine_jwt()
            .header("cat", "cl_B7d4PD333AAA")
            .claim("sub", machine_id)
            .claim("jti", hex_id("mt"))
            .claim("scopes", scopes.join(" "))
    }

    /// A token builder preset for an OAuth access token in its JWT form: header `typ`
    /// `at+jwt`; claims `sub` = `user_id`, `client_id`, `jti` (`oat_…`), `scope`
    /// (space-separated), `iat`, `nbf`, `exp` (1 h), `iss`.
    pub fn oauth_jwt(&self, user_id: &str, client_id: &str, scopes: &[&str]) -> TokenBuilder {
        self.machine_jwt()
            .header("typ", "at+jwt")
            .without_header("cat")
            .claim("sub", user_id)
            .claim("client_id", client_id)
            .claim("jti", hex_id("oat"))
            .claim("scope", scopes.join(" "))
    }

    fn machine_jwt(&self) -> TokenBuilder {
        let builder = self.token().expires_in_secs(3600);
        ["azp", "fva", "sid", "sts", "v"]
            .into_iter()
            .fold(builder, TokenBuilder::without_claim)
    }
}
