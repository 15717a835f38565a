//! `/v1/jwt_templates` of the local Backend API, and the signing of tokens minted from
//! templates with a custom key.
// Validation helpers return the API's error `Response` as their `Err`, as the handlers do.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{
    error, json_body, list_response, new_id, not_found, now_ms, paging, query_pairs, sort, Store,
};
use crate::State;

/// Algorithms a custom signing key may use.
const ALGORITHMS: [&str; 9] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
];

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/jwt_templates", get(list).post(create))
        .route(
            "/v1/jwt_templates/{id}",
            get(fetch).patch(update).delete(remove),
        )
}

fn integer_in(
    body: &Map<String, Value>,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
    default: i64,
) -> Result<i64, Response> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if range.contains(&v) => Ok(v),
            _ => Err(error(
                422,
                "form_param_value_invalid",
                &format!(
                    "{name} must be between {} and {}.",
                    range.start(),
                    range.end()
                ),
                Some(name),
            )),
        },
        Some(_) => Err(error(
            422,
            "form_param_format_invalid",
            &format!("{name} must be an integer."),
            Some(name),
        )),
    }
}

/// Validates a create/update body and builds the template (keeping `id`/`created_at` of
/// `existing`). Returns the template and its custom signing key, if any.
fn build_template(
    store: &Store,
    body: &Map<String, Value>,
    existing: Option<&Value>,
) -> Result<(Value, Option<String>), Response> {
    let name = match body.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(error(
                422,
                "form_param_missing",
                "name must be included.",
                Some("name"),
            ))
        }
        Some(_) => {
            return Err(error(
                422,
                "form_param_format_invalid",
                "name must be a string.",
                Some("name"),
            ))
        }
    };
    let claims = match body.get("claims") {
        Some(Value::Object(c)) => c.clone(),
        None | Some(Value::Null) => {
            return Err(error(
                422,
                "form_param_missing",
                "claims must be included.",
                Some("claims"),
            ))
        }
        Some(_) => {
            return Err(error(
                422,
                "form_param_format_invalid",
                "claims must be a JSON object.",
                Some("claims"),
            ))
        }
    };
    let existing_id = existing.and_then(|t| t["id"].as_str());
    let taken = store
        .jwt_templates
        .values()
        .any(|t| t["name"].as_str() == Some(name.as_str()) && t["id"].as_str() != existing_id);
    if taken {
        return Err(error(
            422,
            "duplicate_record",
            "A JWT template with this name already exists.",
            Some("name"),
        ));
    }
    let lifetime = integer_in(body, "lifetime", 30..=315_360_000, 60)?;
    let skew = integer_in(body, "allowed_clock_skew", 0..=300, 5)?;
    let custom = match body.get("custom_signing_key") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(error(
                422,
                "form_param_format_invalid",
                "custom_signing_key must be a boolean.",
                Some("custom_signing_key"),
            ))
        }
    };
    let (algorithm, key) = if custom {
        let algorithm = body
            .get("signing_algorithm")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let key = body
            .get("signing_key")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if algorithm.is_empty() {
            return Err(error(
                422,
                "form_param_missing",
                "signing_algorithm is required with a custom signing key.",
                Some("signing_algorithm"),
            ));
        }
        if !ALGORITHMS.contains(&algorithm) {
            return Err(error(
                422,
                "form_param_value_invalid",
                "signing_algorithm is not supported.",
                Some("signing_algorithm"),
            ));
        }
        if key.is_empty() {
            return Err(error(
                422,
                "form_param_missing",
                "signing_key is required with a custom signing key.",
                Some("signing_key"),
            ));
        }
        if let Err(message) = sign_custom(algorithm, key, &Map::new()) {
            return Err(error(
                422,
                "form_param_format_invalid",
                &message,
                Some("signing_key"),
            ));
        }
        (algorithm.to_owned(), Some(key.to_owned()))
    } else {
        ("RS256".to_owned(), None)
    };
    let now = now_ms();
    let template = json!({
        "object": "jwt_template",
        "id": existing_id.map_or_else(|| new_id("jtmp"), str::to_owned),
        "name": name,
        "claims": claims,
        "lifetime": lifetime,
        "allowed_clock_skew": skew,
        "custom_signing_key": custom,
        "signing_algorithm": algorithm,
        "created_at": existing.map_or(json!(now), |t| t["created_at"].clone()),
        "updated_at": now,
    });
    Ok((template, key))
}

fn store_template(store: &mut Store, template: &Value, key: Option<String>) {
    let id = template["id"].as_str().unwrap_or_default().to_owned();
    match key {
        Some(key) => store.jwt_template_keys.insert(id.clone(), key),
        None => store.jwt_template_keys.remove(&id),
    };
    store.jwt_templates.insert(id, template.clone());
}

async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    match build_template(&store, &body, None) {
        Ok((template, key)) => {
            store_template(&mut store, &template, key);
            Json(template).into_response()
        }
        Err(r) => r,
    }
}

async fn update(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let Some(existing) = store.jwt_templates.get(&id).cloned() else {
        return not_found();
    };
    match build_template(&store, &body, Some(&existing)) {
        Ok((template, key)) => {
            store_template(&mut store, &template, key);
            Json(template).into_response()
        }
        Err(r) => r,
    }
}

async fn fetch(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    match state.store.lock().unwrap().jwt_templates.get(&id) {
        Some(template) => Json(template.clone()).into_response(),
        None => not_found(),
    }
}

async fn remove(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    let mut store = state.store.lock().unwrap();
    if store.jwt_templates.remove(&id).is_none() {
        return not_found();
    }
    store.jwt_template_keys.remove(&id);
    Json(json!({ "object": "jwt_template", "id": id, "deleted": true })).into_response()
}

async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let (limit, offset) = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let paged = pairs.iter().any(|(k, v)| k == "paginated" && v == "true");
    let mut templates: Vec<Value> = state
        .store
        .lock()
        .unwrap()
        .jwt_templates
        .values()
        .cloned()
        .collect();
    if let Err(r) = sort(&mut templates, None, &["created_at"]) {
        return r;
    }
    let total = templates.len();
    let page = templates.into_iter().skip(offset).take(limit).collect();
    list_response(page, total, paged)
}

/// The DER inside a PEM block (`-----BEGIN …-----`), or the bytes of a bare base64 DER.
fn pem_der(pem: &str) -> Option<(String, Vec<u8>)> {
    let label = pem
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("-----BEGIN ")
                .and_then(|r| r.strip_suffix("-----"))
        })
        .unwrap_or_default()
        .to_owned();
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()
        .map(|der| (label, der))
}

/// Signs `claims` with a template's custom key, as Clerk does for templates with
/// `custom_signing_key` (header `{alg, typ}`, no `kid`). `HS*` keys are the secret itself;
/// `RS*` keys are PEM (PKCS#8 or PKCS#1); `ES*` keys are PEM (PKCS#8 or SEC1).
pub(crate) fn sign_custom(
    alg: &str,
    key: &str,
    claims: &Map<String, Value>,
) -> Result<String, String> {
    use aws_lc_rs::signature;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = json!({ "alg": alg, "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        b64.encode(header.to_string()),
        b64.encode(Value::Object(claims.clone()).to_string())
    );
    let message = signing_input.as_bytes();
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let invalid = || format!("signing_key is not a valid {alg} key.");
    let signature: Vec<u8> = match alg {
        "HS256" | "HS384" | "HS512" => {
            let algorithm = match alg {
                "HS384" => aws_lc_rs::hmac::HMAC_SHA384,
                "HS512" => aws_lc_rs::hmac::HMAC_SHA512,
                _ => aws_lc_rs::hmac::HMAC_SHA256,
            };
            let key = aws_lc_rs::hmac::Key::new(algorithm, key.as_bytes());
            aws_lc_rs::hmac::sign(&key, message).as_ref().to_vec()
        }
        "RS256" | "RS384" | "RS512" => {
            let (label, der) = pem_der(key).ok_or_else(invalid)?;
            let pair = if label == "RSA PRIVATE KEY" {
                aws_lc_rs::rsa::KeyPair::from_der(&der)
            } else {
                aws_lc_rs::rsa::KeyPair::from_pkcs8(&der)
            }
            .map_err(|_| invalid())?;
            let padding: &'static dyn signature::RsaEncoding = match alg {
                "RS384" => &signature::RSA_PKCS1_SHA384,
                "RS512" => &signature::RSA_PKCS1_SHA512,
                _ => &signature::RSA_PKCS1_SHA256,
            };
            let mut out = vec![0; pair.public_modulus_len()];
            pair.sign(padding, &rng, message, &mut out)
                .map_err(|_| invalid())?;
            out
        }
        "ES256" | "ES384" | "ES512" => {
            let algorithm = match alg {
                "ES384" => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                "ES512" => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
                _ => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            };
            let (_, der) = pem_der(key).ok_or_else(invalid)?;
            let pair = signature::EcdsaKeyPair::from_private_key_der(algorithm, &der)
                .map_err(|_| invalid())?;
            pair.sign(&rng, message)
                .map_err(|_| invalid())?
                .as_ref()
                .to_vec()
        }
        _ => return Err(format!("signing_algorithm {alg} is not supported.")),
    };
    Ok(format!("{signing_input}.{}", b64.encode(signature)))
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};

    use super::*;

    fn pem(label: &str, der: &[u8]) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    }

    fn split(jwt: &str) -> (&str, Vec<u8>) {
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        (
            input,
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(sig)
                .unwrap(),
        )
    }

    #[test]
    fn custom_keys_sign_or_are_rejected() {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("user_1"));

        let jwt = sign_custom("HS256", "secret", &claims).unwrap();
        let (input, sig) = split(&jwt);
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, b"secret");
        aws_lc_rs::hmac::verify(&key, input.as_bytes(), &sig).unwrap();
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(input.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));

        let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&rsa).unwrap();
        let jwt = sign_custom("RS384", &pem("PRIVATE KEY", pkcs8.as_ref()), &claims).unwrap();
        let (input, sig) = split(&jwt);
        UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA384,
            rsa.public_key().as_ref(),
        )
        .verify(input.as_bytes(), &sig)
        .unwrap();

        let ec =
            signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let pkcs8 = ec.to_pkcs8v1().unwrap();
        let jwt = sign_custom("ES256", &pem("PRIVATE KEY", pkcs8.as_ref()), &claims).unwrap();
        let (input, sig) = split(&jwt);
        UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            ec.public_key().as_ref(),
        )
        .verify(input.as_bytes(), &sig)
        .unwrap();

        assert!(sign_custom("RS256", "not a pem", &claims).is_err());
        let bogus = pem("PRIVATE KEY", &[0, 0, 0]);
        assert!(sign_custom("ES256", &bogus, &claims).is_err());
        assert!(sign_custom("none", "x", &claims).is_err());
    }
}
