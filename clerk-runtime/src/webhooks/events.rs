//! Typed Clerk webhook events: [`WebhookEvent`] and the envelope fields around it.

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{
    DeletedObject, Organization, OrganizationInvitation, OrganizationMembership, Session, User,
};

use super::lenient;

macro_rules! webhook_events {
    (
        $(
            $(#[$vmeta:meta])*
            $variant:ident($ty:ty) = $wire:literal,
        )+
    ) => {
        /// A Clerk webhook event, read from the payload's `type` and `data`.
        ///
        /// Each known `type` carries the Backend API model Clerk sends as `data`: a
        /// [`User`] for `user.created`, a [`DeletedObject`] for `user.deleted`, … Any other
        /// type (`email.created`, `role.created`, billing events, types Clerk adds later)
        /// is [`Unknown`](Self::Unknown) with the raw `data`: reading an event never fails
        /// because of its type.
        ///
        /// The models are read tolerantly: a field missing from `data` (or `null` where
        /// the model has no `Option`) reads as its zero value (`false`, `0`, `""`, empty),
        /// because webhook payloads do not always carry every field of the API object
        /// (Clerk's documented `user.created` example lacks `has_image`, `banned`,
        /// `passkeys`, …). A value of the wrong type, or a known event without a `data`
        /// object, is an error. The envelope fields (`timestamp`, `instance_id`,
        /// `event_attributes`) are in [`EventEnvelope`].
        ///
        /// It serializes back to `{"type": …, "object": "event", "data": …}`.
        ///
        /// ```
        /// use clerk_runtime::webhooks::WebhookEvent;
        /// let payload = r#"{"type":"user.deleted","object":"event","timestamp":1716883200000,
        ///     "data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","deleted":true}}"#;
        /// let event: WebhookEvent = serde_json::from_str(payload).unwrap();
        /// match &event {
        ///     WebhookEvent::UserDeleted(deleted) => assert_eq!(deleted.id.as_deref(), Some("user_29w83sxmDNGwOuEthce5gg56FcC")),
        ///     other => panic!("unexpected {}", other.event_type()),
        /// }
        ///
        /// let unknown: WebhookEvent = serde_json::from_str(r#"{"type":"role.created","data":{"id":"role_1"}}"#).unwrap();
        /// assert!(unknown.is_unknown());
        /// assert_eq!(unknown.event_type(), "role.created");
        /// assert_eq!(unknown.object_id(), Some("role_1"));
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)] // one value per request; boxing would only cost ergonomics
        pub enum WebhookEvent {
            $(
                $(#[$vmeta])*
                $variant($ty),
            )+
            /// Any other event type, with its raw `data` (`null` when absent).
            Unknown {
                /// The event type, e.g. `email.created`.
                r#type: String,
                /// The raw `data`.
                data: Value,
            },
        }

        /// Every event type with a typed variant, in declaration order.
        pub const KNOWN_EVENT_TYPES: &[&str] = &[$($wire),+];

        impl WebhookEvent {
            /// The event type (`user.created`, …; the raw type for `Unknown`).
            pub fn event_type(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $wire, )+
                    Self::Unknown { r#type, .. } => r#type,
                }
            }

            /// Builds the event of this type from its `data` (tolerantly, as for a
            /// payload). An unknown type gives [`Unknown`](Self::Unknown).
            pub fn from_parts(event_type: &str, data: Value) -> Result<Self, serde_json::Error> {
                match event_type {
                    $(
                        $wire => {
                            if !data.is_object() {
                                return Err(de::Error::custom(format_args!(
                                    "a `{}` event needs a `data` object", $wire
                                )));
                            }
                            lenient::from_value(&data).map(Self::$variant).map_err(|e| {
                                de::Error::custom(format_args!("the `data` of a `{}` event: {e}", $wire))
                            })
                        }
                    )+
                    other => Ok(Self::Unknown { r#type: other.to_owned(), data }),
                }
            }

            /// The `data` as JSON (the model serialized back, or the raw `Unknown` data).
            pub fn data_json(&self) -> Value {
                match self {
                    $( Self::$variant(data) => serde_json::to_value(data).unwrap_or(Value::Null), )+
                    Self::Unknown { data, .. } => data.clone(),
                }
            }
        }
    };
}

webhook_events! {
    /// `user.created`: a user signed up or was created (Dashboard, Backend API).
    UserCreated(User) = "user.created",
    /// `user.updated`: a user's profile, identifiers or metadata changed.
    UserUpdated(User) = "user.updated",
    /// `user.deleted`: a user was deleted (`data` is `{object, id, deleted: true}`).
    UserDeleted(DeletedObject) = "user.deleted",
    /// `session.created`: a user signed in.
    SessionCreated(Session) = "session.created",
    /// `session.ended`: a session ended (the user signed out).
    SessionEnded(Session) = "session.ended",
    /// `session.removed`: a session was removed.
    SessionRemoved(Session) = "session.removed",
    /// `session.revoked`: a session was revoked (Backend API, Dashboard).
    SessionRevoked(Session) = "session.revoked",
    /// `organization.created`.
    OrganizationCreated(Organization) = "organization.created",
    /// `organization.updated`.
    OrganizationUpdated(Organization) = "organization.updated",
    /// `organization.deleted` (`data` is `{object, id, deleted: true}`).
    OrganizationDeleted(DeletedObject) = "organization.deleted",
    /// `organizationMembership.created`: a user joined an organization.
    OrganizationMembershipCreated(OrganizationMembership) = "organizationMembership.created",
    /// `organizationMembership.updated`: a member's role changed.
    OrganizationMembershipUpdated(OrganizationMembership) = "organizationMembership.updated",
    /// `organizationMembership.deleted`: a member left or was removed (`data` is the
    /// membership).
    OrganizationMembershipDeleted(OrganizationMembership) = "organizationMembership.deleted",
    /// `organizationInvitation.created`.
    OrganizationInvitationCreated(OrganizationInvitation) = "organizationInvitation.created",
    /// `organizationInvitation.accepted`.
    OrganizationInvitationAccepted(OrganizationInvitation) = "organizationInvitation.accepted",
    /// `organizationInvitation.revoked`.
    OrganizationInvitationRevoked(OrganizationInvitation) = "organizationInvitation.revoked",
}

impl WebhookEvent {
    /// Whether the type has no typed variant.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown { .. })
    }

    /// The `id` of the object the event is about: the user, session, organization,
    /// membership or invitation id (`data.id` for `Unknown`).
    pub fn object_id(&self) -> Option<&str> {
        match self {
            Self::UserCreated(u) | Self::UserUpdated(u) => Some(&u.id),
            Self::UserDeleted(d) | Self::OrganizationDeleted(d) => d.id.as_deref(),
            Self::SessionCreated(s)
            | Self::SessionEnded(s)
            | Self::SessionRemoved(s)
            | Self::SessionRevoked(s) => Some(&s.id),
            Self::OrganizationCreated(o) | Self::OrganizationUpdated(o) => Some(&o.id),
            Self::OrganizationMembershipCreated(m)
            | Self::OrganizationMembershipUpdated(m)
            | Self::OrganizationMembershipDeleted(m) => Some(&m.id),
            Self::OrganizationInvitationCreated(i)
            | Self::OrganizationInvitationAccepted(i)
            | Self::OrganizationInvitationRevoked(i) => Some(&i.id),
            Self::Unknown { data, .. } => data.get("id").and_then(Value::as_str),
        }
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "type")]
            event_type: String,
            #[serde(default)]
            data: Value,
        }
        let raw = Raw::deserialize(deserializer)?;
        Self::from_parts(&raw.event_type, raw.data).map_err(de::Error::custom)
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("type", self.event_type())?;
        map.serialize_entry("object", "event")?;
        map.serialize_entry("data", &self.data_json())?;
        map.end()
    }
}

/// The fields of a Clerk webhook payload around `data`: `type`, `object` (always
/// `event`), `timestamp` (Unix **milliseconds**, when the event occurred), `instance_id`
/// and `event_attributes`. Every field is optional when reading.
///
/// [`Webhook::envelope`](super::Webhook::envelope) reads it from a verified request.
///
/// ```
/// use clerk_runtime::webhooks::EventEnvelope;
/// let envelope: EventEnvelope = serde_json::from_str(r#"{
///     "type": "user.created", "object": "event", "timestamp": 1716883200000,
///     "instance_id": "ins_123",
///     "event_attributes": {"http_request": {"client_ip": "203.0.113.7", "user_agent": "Mozilla/5.0"}},
///     "data": {}
/// }"#).unwrap();
/// assert_eq!(envelope.instance_id.as_deref(), Some("ins_123"));
/// assert_eq!(envelope.client_ip(), Some("203.0.113.7"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// The event type, e.g. `user.created`.
    #[serde(rename = "type", default)]
    pub event_type: String,
    /// Always `event`.
    #[serde(default)]
    pub object: String,
    /// Unix timestamp (ms) of the event.
    #[serde(default)]
    pub timestamp: Option<i64>,
    /// The Clerk instance (`ins_…`).
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Where the event came from.
    #[serde(default)]
    pub event_attributes: Option<EventAttributes>,
}

impl EventEnvelope {
    /// `event_attributes.http_request.client_ip`.
    pub fn client_ip(&self) -> Option<&str> {
        self.http_request().map(|r| r.client_ip.as_str())
    }

    /// `event_attributes.http_request.user_agent`.
    pub fn user_agent(&self) -> Option<&str> {
        self.http_request().map(|r| r.user_agent.as_str())
    }

    fn http_request(&self) -> Option<&HttpRequestAttributes> {
        self.event_attributes.as_ref()?.http_request.as_ref()
    }
}

/// `event_attributes` of a webhook payload.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventAttributes {
    /// The HTTP request that caused the event, when one did.
    #[serde(default)]
    pub http_request: Option<HttpRequestAttributes>,
}

/// `event_attributes.http_request`: the request that caused the event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HttpRequestAttributes {
    /// The client's IP address.
    #[serde(default)]
    pub client_ip: String,
    /// The client's `User-Agent`.
    #[serde(default)]
    pub user_agent: String,
}
