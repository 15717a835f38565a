//! What `@clerk/backend` 3.25 makes of the Backend API's answer to a session refresh: its
//! request code (`buildRequest`, `parseErrors`), its deserializer (`jsonToObject`) and
//! `refreshToken`/`attemptRefresh` (docs/handshake-spec.md §8.3), down to the answers a
//! well-behaved Backend API never gives: where the package's own code throws inside its
//! `try`, the refresh fails with `fetch-error` or `unexpected-bapi-error`; where it throws
//! outside, `authenticateRequest` itself throws.

use serde_json::{Map, Value};

use crate::api::transport::RawAnswer;
use crate::token::js_value::to_js_string;

/// The refresh answer as the package reads it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadAnswer {
    /// The `Set-Cookie` directives, in order.
    Cookies(Vec<String>),
    /// The refresh failed with this reason (`fetch-error`, a Backend API code…).
    Failed(String),
    /// `authenticateRequest` throws with this message.
    Thrown(&'static str),
}

/// `ObjectType`s that `jsonToObject` turns into a resource class: none but `cookies` has
/// a `cookies` field. Any other `object` leaves the JSON as it is.
const RESOURCE_OBJECTS: &[&str] = &[
    "accountless_application",
    "actor_token",
    "allowlist_identifier",
    "api_key",
    "blocklist_identifier",
    "client",
    "domain",
    "email_address",
    "enterprise_account",
    "email",
    "clerk_idp_oauth_access_token",
    "instance",
    "instance_restrictions",
    "instance_settings",
    "invitation",
    "jwt_template",
    "machine",
    "machine_scope",
    "machine_secret_key",
    "machine_to_machine_token",
    "oauth_access_token",
    "oauth_application",
    "organization",
    "organization_invitation",
    "organization_membership",
    "organization_settings",
    "permission",
    "phone_number",
    "proxy_check",
    "redirect_url",
    "role",
    "role_set",
    "enterprise_connection",
    "saml_connection",
    "sign_in_token",
    "agent_task",
    "sign_up_attempt",
    "session",
    "sms_message",
    "token",
    "total_count",
    "user",
    "waitlist_entry",
    "commerce_plan",
    "commerce_subscription",
    "commerce_subscription_item",
    "feature",
];

fn failed(reason: &str) -> ReadAnswer {
    ReadAnswer::Failed(reason.to_owned())
}

/// Reads the answer (`None`: nothing came back, a network error).
pub(crate) fn read(answer: Option<&RawAnswer>) -> ReadAnswer {
    // The client catches a failed fetch and reports it as `unexpected_error`.
    let Some(answer) = answer else {
        return failed("fetch-error");
    };
    // No data: reading `.cookies` of `undefined` throws inside `refreshToken`'s `try`.
    if answer.status == 204 {
        return failed("unexpected-bapi-error");
    }
    // JSON only for exactly `application/json`; a body that does not parse throws inside
    // the client's `try`: `unexpected_error`.
    let body = if answer.content_type.as_deref() == Some("application/json") {
        match serde_json::from_slice::<Value>(&answer.body) {
            Ok(v) => Some(v),
            Err(_) => return failed("fetch-error"),
        }
    } else {
        None
    };
    if !(200..300).contains(&answer.status) {
        return read_errors(body.as_ref());
    }
    let cookies = match body.as_ref().map(deserialized_cookies) {
        // Text: a string has no `cookies`.
        None => None,
        Some(Err(())) => return failed("fetch-error"),
        Some(Ok(cookies)) => cookies,
    };
    read_cookies(cookies)
}

/// A non-2xx answer: `parseErrors`, then `refreshToken`'s `catch`.
fn read_errors(body: Option<&Value>) -> ReadAnswer {
    let errors: Vec<&Value> = match body {
        // `!!data && typeof data === "object" && "errors" in data` (arrays too).
        Some(Value::Object(o)) if o.contains_key("errors") => {
            let errors = &o["errors"];
            match errors {
                // `null.length` throws.
                Value::Null => return failed("fetch-error"),
                // `errors.length > 0 ? errors.map(…) : []`
                Value::String(s) if !s.is_empty() => return failed("fetch-error"),
                Value::Array(items) => {
                    // `new ClerkAPIError(null)` reads `null.code`.
                    if items.iter().any(Value::is_null) {
                        return failed("fetch-error");
                    }
                    items.iter().collect()
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    let Some(first) = errors.first() else {
        return failed("unexpected-bapi-error");
    };
    let code = match first {
        Value::Object(o) => o.get("code"),
        _ => None,
    };
    match code {
        Some(Value::String(c)) if c == "unexpected_error" => failed("fetch-error"),
        // A falsy code leaves the failure without a reason.
        None | Some(Value::Null) | Some(Value::Bool(false)) => failed("unexpected-sdk-error"),
        Some(Value::String(c)) if c.is_empty() => failed("unexpected-sdk-error"),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => failed("unexpected-sdk-error"),
        Some(code) => ReadAnswer::Failed(to_js_string(code)),
    }
}

/// `deserialize(payload).cookies`: `Err` where `jsonToObject` throws (`"object" in` a
/// primitive), `Ok(None)` where the result has no `cookies`.
fn deserialized_cookies(payload: &Value) -> Result<Option<&Value>, ()> {
    // `typeof item !== "string" && "object" in item` throws for every other primitive.
    let check = |item: &Value| match item {
        Value::Object(_) | Value::Array(_) | Value::String(_) => Ok(()),
        _ => Err(()),
    };
    let listed = |items: &Vec<Value>| items.iter().try_for_each(check);
    match payload {
        // A list of resources, or a page of them: an array has no `cookies`.
        Value::Array(items) => listed(items).map(|()| None),
        Value::Object(o) => match (o.get("m2m_tokens"), o.get("data")) {
            (Some(Value::Array(items)), _) | (_, Some(Value::Array(items))) => {
                listed(items).map(|()| None)
            }
            _ => Ok(object_cookies(o)),
        },
        Value::String(_) => Ok(None),
        _ => Err(()),
    }
}

fn object_cookies(o: &Map<String, Value>) -> Option<&Value> {
    // `DeletedObject`.
    if o.contains_key("object") && o.contains_key("deleted") {
        return None;
    }
    match o.get("object").and_then(Value::as_str) {
        Some("cookies") => o.get("cookies"),
        Some(known) if RESOURCE_OBJECTS.contains(&known) => None,
        _ => o.get("cookies"),
    }
}

/// `attemptRefresh` with what `cookies` held.
fn read_cookies(cookies: Option<&Value>) -> ReadAnswer {
    let items = match cookies {
        // `!cookiesToSet || cookiesToSet.length === 0`: no error reason.
        None | Some(Value::Null) | Some(Value::Bool(false)) => {
            return failed("unexpected-sdk-error")
        }
        Some(Value::String(s)) if s.is_empty() => return failed("unexpected-sdk-error"),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => return failed("unexpected-sdk-error"),
        Some(Value::Array(items)) if items.is_empty() => return failed("unexpected-sdk-error"),
        Some(Value::Object(o)) if o.get("length").and_then(Value::as_f64) == Some(0.0) => {
            return failed("unexpected-sdk-error")
        }
        Some(Value::Array(items)) => items,
        // Anything else has no `forEach`.
        Some(_) => return ReadAnswer::Thrown("cookiesToSet.forEach is not a function"),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => out.push(s.clone()),
            // `headers.append` takes `String(x)`; `getCookieName(x)` then throws.
            _ => return ReadAnswer::Thrown("cookieDirective.split is not a function"),
        }
    }
    ReadAnswer::Cookies(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> ReadAnswer {
        read(Some(&RawAnswer {
            status,
            content_type: content_type.map(str::to_owned),
            body: body.as_bytes().to_vec(),
        }))
    }

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn errors_as_the_package_reads_them() {
        let f = |s: &str| ReadAnswer::Failed(s.to_owned());
        assert_eq!(read(None), f("fetch-error"));
        assert_eq!(
            answer(400, JSON, r#"{"errors":[{"code":"x_y"}]}"#),
            f("x_y")
        );
        assert_eq!(
            answer(500, JSON, r#"{"errors":[{"code":"unexpected_error"}]}"#),
            f("fetch-error")
        );
        assert_eq!(
            answer(422, JSON, r#"{"errors":[]}"#),
            f("unexpected-bapi-error")
        );
        assert_eq!(
            answer(400, JSON, r#"{"errors":[{"message":"m"}]}"#),
            f("unexpected-sdk-error")
        );
        assert_eq!(answer(400, JSON, r#"{"errors":"x"}"#), f("fetch-error"));
        assert_eq!(answer(400, JSON, r#"{"errors":[null]}"#), f("fetch-error"));
        assert_eq!(answer(400, JSON, r#"{"errors":[{"code":5}]}"#), f("5"));
        assert_eq!(answer(400, JSON, "not json"), f("fetch-error"));
        assert_eq!(
            answer(503, Some("text/html"), "<html>"),
            f("unexpected-bapi-error")
        );
        assert_eq!(
            answer(
                400,
                Some("application/json; charset=utf-8"),
                r#"{"errors":[{"code":"x"}]}"#
            ),
            f("unexpected-bapi-error")
        );
    }

    #[test]
    fn successes_as_the_package_reads_them() {
        let f = |s: &str| ReadAnswer::Failed(s.to_owned());
        assert_eq!(answer(204, None, ""), f("unexpected-bapi-error"));
        assert_eq!(answer(200, JSON, "null"), f("fetch-error"));
        assert_eq!(answer(200, JSON, "5"), f("fetch-error"));
        assert_eq!(answer(200, JSON, "[1]"), f("fetch-error"));
        assert_eq!(answer(200, JSON, "[]"), f("unexpected-sdk-error"));
        assert_eq!(answer(200, JSON, r#""s""#), f("unexpected-sdk-error"));
        assert_eq!(
            answer(200, JSON, r#"{"object":"session","cookies":["a=1"]}"#),
            f("unexpected-sdk-error")
        );
        assert_eq!(
            answer(200, JSON, r#"{"object":"cookies","cookies":[]}"#),
            f("unexpected-sdk-error")
        );
        assert_eq!(
            answer(200, Some("text/plain"), "a=1"),
            f("unexpected-sdk-error")
        );
        assert_eq!(
            answer(200, JSON, r#"{"cookies":["a=1","b=2"]}"#),
            ReadAnswer::Cookies(vec!["a=1".into(), "b=2".into()])
        );
        assert_eq!(
            answer(200, JSON, r#"{"object":"cookies","cookies":"a=1"}"#),
            ReadAnswer::Thrown("cookiesToSet.forEach is not a function")
        );
        assert_eq!(
            answer(200, JSON, r#"{"object":"cookies","cookies":[1]}"#),
            ReadAnswer::Thrown("cookieDirective.split is not a function")
        );
    }
}
