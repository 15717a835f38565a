//! Fixture tests of the models.
//!
//! Every model has a fixture in `fixtures/<model>.json`, built from the spec's schema,
//! with three payloads:
//!
//! - `full`: every property of the schema filled with a realistic value;
//! - `nulls`: the same, with every nullable property (at every depth) set to `null`;
//! - `required`: only the properties the schema requires (at every depth).
//!
//! Each must deserialize, keep every value it carries, and survive
//! serialize → deserialize unchanged.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::*;

/// Keys whose values are free-form JSON objects: extra keys there are data, not noise.
const FREE_FORM_KEYS: &[&str] = &[
    "public_metadata",
    "private_metadata",
    "unsafe_metadata",
    "claims",
    "actor",
    "meta",
];

fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// Whether every non-null value of `part` is in `whole`, at the same place.
fn is_contained(part: &Value, whole: &Value) -> bool {
    match (part, whole) {
        (Value::Object(p), Value::Object(w)) => p
            .iter()
            .all(|(k, v)| v.is_null() || w.get(k).is_some_and(|wv| is_contained(v, wv))),
        (Value::Array(p), Value::Array(w)) => {
            p.len() == w.len() && p.iter().zip(w).all(|(a, b)| is_contained(a, b))
        }
        (p, w) => p == w,
    }
}

/// Adds an unknown field to every object of `value`, except inside free-form objects.
fn with_unknown_fields(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| {
                    let v = if FREE_FORM_KEYS.contains(&k.as_str()) {
                        v.clone()
                    } else {
                        with_unknown_fields(v)
                    };
                    (k.clone(), v)
                })
                .collect();
            out.insert(
                "x_future_field".into(),
                json!({"nested": [1, "two", null], "flag": true}),
            );
            out.insert(
                "external_account_id".into(),
                json!("eac_2bQxAe1X2t3A4c5C6o7U8n9T0a"),
            );
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(with_unknown_fields).collect()),
        other => other.clone(),
    }
}

/// Whether the serialized model must equal the payload exactly (nulls aside).
#[derive(Clone, Copy)]
enum Lossless {
    /// Every field of the model is in the payload: serialized == payload, nulls aside.
    Exact,
    /// The payload may lack defaulted fields: payload ⊆ serialized.
    Contained,
}

/// Deserializes `payload` as `T` (from text, as a client would), then checks it kept
/// every value and survives serialize → deserialize.
fn check<T>(case: &str, payload: &Value, lossless: Lossless) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let text = serde_json::to_string(payload).unwrap();
    let parsed: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{case}: does not deserialize: {e}\n{text}"));

    let serialized = serde_json::to_value(&parsed).unwrap();
    match lossless {
        Lossless::Exact => assert_eq!(
            strip_nulls(&serialized),
            strip_nulls(payload),
            "{case}: values lost or renamed"
        ),
        Lossless::Contained => assert!(
            is_contained(payload, &serialized),
            "{case}: values lost or renamed\npayload:    {payload}\nserialized: {serialized}"
        ),
    }

    let reparsed: T = serde_json::from_str(&serde_json::to_string(&parsed).unwrap())
        .unwrap_or_else(|e| panic!("{case}: serialized form does not deserialize: {e}"));
    assert_eq!(reparsed, parsed, "{case}: round trip changed the value");
    let reparsed: T = serde_json::from_value(serialized).unwrap();
    assert_eq!(
        reparsed, parsed,
        "{case}: round trip (Value) changed the value"
    );

    let noisy = with_unknown_fields(payload);
    let tolerant: T = serde_json::from_value(noisy)
        .unwrap_or_else(|e| panic!("{case}: unknown fields rejected: {e}"));
    assert_eq!(tolerant, parsed, "{case}: unknown fields changed the value");
    parsed
}

/// Three tests per model: `full`, `nulls` and `required`, over `fixtures/<file>`.
macro_rules! model_tests {
    ($( $module:ident: $ty:ty = $file:literal; )+) => {$(
        mod $module {
            use super::*;

            fn fixture(case: &str) -> Value {
                let all: Value = serde_json::from_str(include_str!(concat!("fixtures/", $file))).unwrap();
                all.get(case).cloned().unwrap_or_else(|| panic!("{} has no {case}", $file))
            }

            #[test]
            fn full() {
                check::<$ty>(concat!($file, " full"), &fixture("full"), Lossless::Exact);
            }

            #[test]
            fn nulls() {
                check::<$ty>(concat!($file, " nulls"), &fixture("nulls"), Lossless::Exact);
            }

            #[test]
            fn required() {
                check::<$ty>(concat!($file, " required"), &fixture("required"), Lossless::Contained);
            }
        }
    )+};
}

model_tests! {
    user: User = "user.json";
    email_address: EmailAddress = "email_address.json";
    phone_number: PhoneNumber = "phone_number.json";
    web3_wallet: Web3Wallet = "web3_wallet.json";
    passkey: Passkey = "passkey.json";
    identification_link: IdentificationLink = "identification_link.json";
    external_account: ExternalAccount = "external_account.json";
    saml_account: SamlAccount = "saml_account.json";
    saml_account_connection: SamlAccountConnection = "saml_account_connection.json";
    enterprise_account: EnterpriseAccount = "enterprise_account.json";
    enterprise_account_connection: EnterpriseAccountConnection = "enterprise_account_connection.json";
    scim_user_metadata: ScimUserMetadata = "scim_user_metadata.json";
    verification: Verification = "verification.json";
    verification_error: VerificationError = "verification_error.json";
    password_verification: PasswordVerification = "password_verification.json";
    totp_verification: TotpVerification = "totp_verification.json";
    session: Session = "session.json";
    session_activity: SessionActivity = "session_activity.json";
    session_task: SessionTask = "session_task.json";
    client: Client = "client.json";
    token: Token = "token.json";
    cookies: Cookies = "cookies.json";
    session_refresh_token: SessionRefresh = "session_refresh_token.json";
    session_refresh_cookies: SessionRefresh = "session_refresh_cookies.json";
    invitation: Invitation = "invitation.json";
    allowlist_identifier: AllowlistIdentifier = "allowlist_identifier.json";
    blocklist_identifier: BlocklistIdentifier = "blocklist_identifier.json";
    organization: Organization = "organization.json";
    organization_membership: OrganizationMembership = "organization_membership.json";
    organization_membership_public_user_data: OrganizationMembershipPublicUserData =
        "organization_membership_public_user_data.json";
    organization_invitation: OrganizationInvitation = "organization_invitation.json";
    organization_invitation_public_user_data: OrganizationInvitationPublicUserData =
        "organization_invitation_public_user_data.json";
    organization_invitation_public_organization_data: OrganizationInvitationPublicOrganizationData =
        "organization_invitation_public_organization_data.json";
    jwt_template: JwtTemplate = "jwt_template.json";
    sign_in_token: SignInToken = "sign_in_token.json";
    testing_token: TestingToken = "testing_token.json";
    actor_token: ActorToken = "actor_token.json";
    jwks: Jwks = "jwks.json";
    jwks_key: JwksKey = "jwks_key.json";
    deleted_object: DeletedObject = "deleted_object.json";
    total_count: TotalCount = "total_count.json";
}

fn fixture(file: &str, case: &str) -> Value {
    let text = match file {
        "user" => include_str!("fixtures/user.json"),
        "session" => include_str!("fixtures/session.json"),
        "external_account" => include_str!("fixtures/external_account.json"),
        "email_address" => include_str!("fixtures/email_address.json"),
        "allowlist_identifier" => include_str!("fixtures/allowlist_identifier.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str::<Value>(text).unwrap()[case].clone()
}

// ---------------------------------------------------------------- field values

#[test]
fn full_user_is_read_field_by_field() {
    let user: User = serde_json::from_value(fixture("user", "full")).unwrap();
    assert_eq!(user.id, "user_2bQx3Ad4La5Ov6El7Ac8E9xYz");
    assert_eq!(user.created_at, 1_700_690_400_000);
    assert_eq!(user.last_active_at, Some(1_700_690_400_000));
    assert_eq!(user.public_metadata["role"], "admin");
    assert_eq!(
        user.private_metadata.as_ref().unwrap()["flags"],
        json!(["beta"])
    );

    let email = &user.email_addresses[0];
    assert_eq!(email.id, "idn_2bQx6A1b2C3d4E5f6G7h8I9j0K");
    let verification = email.verification.as_ref().unwrap();
    assert_eq!(verification.object, Some(VerificationObject::Otp));
    assert_eq!(verification.status, Some(VerificationStatus::Verified));
    assert_eq!(verification.strategy.as_deref(), Some("email_code"));
    assert_eq!(email.linked_to[0].r#type, "oauth_google");

    let external = &user.external_accounts[0];
    assert_eq!(external.object, ExternalAccountObject::ExternalAccount);
    let error = external
        .verification
        .as_ref()
        .unwrap()
        .error
        .as_ref()
        .unwrap();
    assert_eq!(error.code, "oauth_access_denied");

    assert_eq!(
        user.enterprise_accounts[0].protocol,
        Some(EnterpriseProtocol::Saml)
    );
    let connection = user.enterprise_accounts[0]
        .enterprise_connection
        .as_ref()
        .unwrap();
    assert_eq!(connection.protocol, EnterpriseProtocol::Saml);
    let membership = &user.organization_memberships.as_ref().unwrap()[0];
    assert_eq!(membership.organization.slug, "acme-inc");
    assert_eq!(
        membership
            .public_user_data
            .as_ref()
            .unwrap()
            .identifier
            .as_deref(),
        Some("ada@example.com")
    );
    assert!(user.bypass_client_trust);
    assert_eq!(user.scim.unwrap().directory_enabled, Some(true));
}

#[test]
fn none_serializes_as_null() {
    let user: User = serde_json::from_value(fixture("user", "nulls")).unwrap();
    let value = serde_json::to_value(&user).unwrap();
    for key in [
        "external_id",
        "username",
        "private_metadata",
        "last_sign_in_at",
        "scim",
        "locale",
    ] {
        assert_eq!(value.get(key), Some(&Value::Null), "{key}");
    }
    assert_eq!(value["email_addresses"][0]["verification"], Value::Null);
}

#[test]
fn required_only_user_defaults_the_optional_fields() {
    let user: User = serde_json::from_value(fixture("user", "required")).unwrap();
    assert_eq!(user.locale, None);
    assert_eq!(user.private_metadata, None);
    assert_eq!(user.organization_memberships, None);
    assert!(!user.bypass_client_trust, "spec default is false");
    // Quirk 5: the spec does not require `id` on identifications.
    assert_eq!(user.email_addresses[0].id, "");
    assert_eq!(user.phone_numbers[0].id, "");
    assert_eq!(user.web3_wallets[0].id, "");
    assert_eq!(user.passkeys[0].id, "");
}

#[test]
fn required_fields_are_enforced() {
    let mut user = fixture("user", "full");
    user.as_object_mut().unwrap().remove("id");
    let err = serde_json::from_value::<User>(user).unwrap_err();
    assert!(err.to_string().contains("missing field `id`"), "{err}");
}

#[test]
fn required_nullable_fields_may_be_absent() {
    // `external_id`, `username`… are required and nullable: absence reads as `None`.
    let mut user = fixture("user", "full");
    let map = user.as_object_mut().unwrap();
    for key in [
        "external_id",
        "username",
        "first_name",
        "last_sign_in_at",
        "mfa_enabled_at",
    ] {
        map.remove(key);
    }
    let user: User = serde_json::from_value(user).unwrap();
    assert_eq!(
        (user.external_id, user.username, user.last_sign_in_at),
        (None, None, None)
    );
}

#[test]
fn identifiers_without_any_field() {
    assert_eq!(
        serde_json::from_str::<AllowlistIdentifier>("{}").unwrap(),
        AllowlistIdentifier::default()
    );
    assert_eq!(
        serde_json::from_str::<BlocklistIdentifier>("{}").unwrap(),
        BlocklistIdentifier::default()
    );
    let allow: AllowlistIdentifier =
        serde_json::from_value(fixture("allowlist_identifier", "full")).unwrap();
    assert_eq!(allow.identifier_type, Some(IdentifierType::EmailAddress));
    assert_eq!(
        allow.invitation_id.as_deref(),
        Some("inv_2bQxNi1N2v3I4t5A6t7I8o9N")
    );
}

#[test]
fn verification_variants() {
    let variants: Vec<Value> =
        serde_json::from_str(include_str!("fixtures/verification_variants.json")).unwrap();
    assert_eq!(variants.len(), 11 * 3 + 1);
    for (i, payload) in variants.iter().enumerate() {
        let parsed = check::<Verification>(
            &format!("verification variant #{i}"),
            payload,
            Lossless::Exact,
        );
        if payload.get("object").is_some() {
            let object = parsed.object.unwrap();
            assert!(
                object.as_str() == "verification" || !object.is_unknown(),
                "#{i}: {object}"
            );
        }
    }
    // The prepare/attempt verification response.
    let last: Verification = serde_json::from_value(variants.last().unwrap().clone()).unwrap();
    assert_eq!(last.id.as_deref(), Some("ver_2bQxVv1E2r3I4f5Y6"));
    assert_eq!(
        last.object,
        Some(VerificationObject::Unknown("verification".into()))
    );
    assert_eq!(last.channel.as_deref(), Some("email"));
    assert_eq!(
        serde_json::from_str::<Verification>("{}").unwrap(),
        Verification::default()
    );
}

#[test]
fn session_refresh_is_told_apart_by_shape() {
    let token: SessionRefresh =
        serde_json::from_value(json!({"object": "token", "jwt": "eyJ.a.b"})).unwrap();
    assert_eq!(token.jwt(), Some("eyJ.a.b"));
    assert_eq!(token.cookies(), None);
    let cookies: SessionRefresh =
        serde_json::from_value(json!({"object": "cookies", "cookies": ["__session=x; Path=/"]}))
            .unwrap();
    assert_eq!(cookies.jwt(), None);
    assert_eq!(
        cookies.cookies(),
        Some(&["__session=x; Path=/".to_owned()][..])
    );
    assert!(serde_json::from_value::<SessionRefresh>(json!({"object": "token"})).is_err());
}

#[test]
fn testing_token_expiry_is_in_seconds() {
    let token: TestingToken = serde_json::from_value(
        json!({"object": "testing_token", "token": "1713877200-c_2J2MvPu9PnXcuhbPZNao0LOXqK9A7YrnBn0HmIWxy", "expires_at": 1713880800}),
    )
    .unwrap();
    assert_eq!(token.expires_at, 1_713_880_800);
}

#[test]
fn deleted_object_with_only_required_fields() {
    let deleted: DeletedObject =
        serde_json::from_value(json!({"object": "user", "deleted": true})).unwrap();
    assert_eq!(
        deleted,
        DeletedObject {
            object: "user".into(),
            deleted: true,
            ..Default::default()
        }
    );
}

// ---------------------------------------------------------------- enums

fn check_enum<T>(known: &[&str])
where
    T: DeserializeOwned + Serialize + PartialEq + Debug + std::fmt::Display + for<'a> From<&'a str>,
{
    for &value in known {
        let parsed: T = serde_json::from_value(json!(value)).unwrap();
        assert_eq!(parsed.to_string(), value);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(value));
        assert_eq!(T::from(value), parsed);
        assert!(
            !format!("{parsed:?}").starts_with("Unknown"),
            "{value} is known"
        );
    }
    let unknown: T = serde_json::from_value(json!("brand_new_value")).unwrap();
    assert_eq!(format!("{unknown:?}"), "Unknown(\"brand_new_value\")");
    assert_eq!(unknown.to_string(), "brand_new_value");
    assert_eq!(
        serde_json::to_value(&unknown).unwrap(),
        json!("brand_new_value")
    );
    assert!(serde_json::from_value::<T>(json!(1)).is_err());
}

#[test]
fn enums_keep_known_and_unknown_values() {
    check_enum::<SessionStatus>(&[
        "active",
        "revoked",
        "ended",
        "expired",
        "removed",
        "abandoned",
        "replaced",
        "pending",
    ]);
    check_enum::<InvitationStatus>(&["pending", "accepted", "revoked", "expired"]);
    check_enum::<OrganizationInvitationStatus>(&["pending", "accepted", "revoked", "expired"]);
    check_enum::<IdentifierType>(&["email_address", "phone_number", "web3_wallet"]);
    check_enum::<SignInTokenStatus>(&["pending", "accepted", "revoked"]);
    check_enum::<ActorTokenStatus>(&["pending", "accepted", "revoked"]);
    check_enum::<EnterpriseProtocol>(&["oauth", "saml"]);
    check_enum::<TotpCodeType>(&["totp", "backup_code"]);
    check_enum::<ExternalAccountObject>(&[
        "external_account",
        "facebook_account",
        "google_account",
    ]);
    check_enum::<VerificationStatus>(&[
        "unverified",
        "verified",
        "failed",
        "expired",
        "transferable",
    ]);
    check_enum::<VerificationObject>(&[
        "verification_otp",
        "verification_admin",
        "verification_from_oauth",
        "verification_ticket",
        "verification_saml",
        "verification_email_link",
        "verification_scim",
        "verification_web3",
        "verification_passkey",
        "verification_oauth",
        "verification_google_one_tap",
    ]);
    assert!(SessionStatus::from("nope".to_owned()).is_unknown());
    assert_eq!(
        SessionStatus::from("active".to_owned()),
        SessionStatus::Active
    );
}

#[test]
fn unknown_enum_value_in_a_model_is_kept() {
    let mut session = fixture("session", "full");
    session["status"] = json!("hibernating");
    let parsed: Session = serde_json::from_value(session).unwrap();
    assert_eq!(parsed.status, SessionStatus::Unknown("hibernating".into()));
    assert_eq!(parsed.status.as_str(), "hibernating");
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(back["status"], "hibernating");
    assert_eq!(serde_json::from_value::<Session>(back).unwrap(), parsed);

    let mut account = fixture("external_account", "full");
    account["object"] = json!("github_account");
    account["verification"]["status"] = json!("pending_review");
    account["verification"]["object"] = json!("verification_oauth_v2");
    let parsed: ExternalAccount = serde_json::from_value(account).unwrap();
    assert_eq!(
        parsed.object,
        ExternalAccountObject::Unknown("github_account".into())
    );
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(back["object"], "github_account");
    assert_eq!(back["verification"]["status"], "pending_review");
    assert_eq!(back["verification"]["object"], "verification_oauth_v2");
}

#[test]
fn unknown_fields_are_ignored() {
    let mut email = fixture("email_address", "full");
    email["external_verification_redirect_url_v2"] = json!("https://example.com");
    email["verification"]["external_verification_redirect_url"] =
        json!("https://example.com/oauth");
    email["verification"]["x_unknown"] = json!({"deep": [1, 2, 3]});
    let parsed: EmailAddress = serde_json::from_value(email).unwrap();
    assert_eq!(
        parsed
            .verification
            .unwrap()
            .external_verification_redirect_url
            .as_deref(),
        Some("https://example.com/oauth")
    );
}

// ---------------------------------------------------------------- lists

#[test]
fn paginated_list_from_a_bare_array() {
    let list: PaginatedList<TotalCount> =
        serde_json::from_value(json!([{"object": "total_count", "total_count": 1}, {"object": "total_count", "total_count": 2}]))
            .unwrap();
    assert_eq!(list.total_count, None);
    assert_eq!(list.len(), 2);
    assert_eq!(list.data[1].total_count, 2);
    // Serializes as a page, and reads back equal.
    let value = serde_json::to_value(&list).unwrap();
    assert_eq!(value["total_count"], Value::Null);
    assert_eq!(
        serde_json::from_value::<PaginatedList<TotalCount>>(value).unwrap(),
        list
    );

    let empty: PaginatedList<User> = serde_json::from_str("[]").unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty, PaginatedList::default());
}

#[test]
fn paginated_list_from_a_page() {
    let page: PaginatedList<BlocklistIdentifier> =
        serde_json::from_str(include_str!("fixtures/blocklist_identifiers.json")).unwrap();
    assert_eq!(page.total_count, Some(2));
    assert_eq!(
        page.data[0].identifier_type,
        Some(IdentifierType::PhoneNumber)
    );
    assert_eq!(page.data[1].identifier, "@spam.example");
    let ids: Vec<&str> = (&page).into_iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "blid_2bQxQb1L2o3C4k5L6i7S8t9",
            "blid_2bQxWb2L3o4C5k6L7i8S9t0"
        ]
    );
    let text = serde_json::to_string(&page).unwrap();
    assert_eq!(
        serde_json::from_str::<PaginatedList<BlocklistIdentifier>>(&text).unwrap(),
        page
    );
    assert_eq!(page.into_iter().count(), 2);

    // Extra keys are ignored, and `total_count` may be absent or null.
    let page: PaginatedList<Value> =
        serde_json::from_value(json!({"object": "list", "data": [1, 2], "has_more": false}))
            .unwrap();
    assert_eq!((page.data.len(), page.total_count), (2, None));
    let page: PaginatedList<Value> =
        serde_json::from_value(json!({"total_count": null, "data": []})).unwrap();
    assert_eq!(page.total_count, None);
}

#[test]
fn paginated_list_of_users() {
    let user = fixture("user", "full");
    let list: PaginatedList<User> =
        serde_json::from_value(json!([user.clone(), user.clone()])).unwrap();
    assert_eq!(list.len(), 2);
    let page: PaginatedList<User> =
        serde_json::from_value(json!({"data": [user], "total_count": 4213})).unwrap();
    assert_eq!(page.total_count, Some(4213));
    assert_eq!(page.data[0], list.data[0]);
}

#[test]
fn paginated_list_rejects_other_shapes() {
    for bad in [
        json!({"total_count": 3}),
        json!("users"),
        json!(null),
        json!(42),
    ] {
        assert!(
            serde_json::from_value::<PaginatedList<Value>>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    let err =
        serde_json::from_str::<PaginatedList<Value>>(r#"{"data": [1], "data": [2]}"#).unwrap_err();
    assert!(err.to_string().contains("duplicate field `data`"), "{err}");
    let err = serde_json::from_value::<PaginatedList<User>>(json!([{"id": "user_1"}])).unwrap_err();
    assert!(err.to_string().contains("missing field"), "{err}");
}
