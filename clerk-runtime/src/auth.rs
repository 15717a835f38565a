//! The authentication state of a request, signed in or not: [`Auth`].

use serde_json::Value;

use crate::api::ApiError;
use crate::claims::SessionClaims;
use crate::machine::{MachineAuth, TokenType};
use crate::session::{Has, Session};

/// The authentication state of a request, signed in or not: Clerk's auth object.
///
/// On routes that accept machine tokens (`#[clerk::protect(accepts = […])]`,
/// [`Clerk::authenticate_request_accepting`](crate::Clerk::authenticate_request_accepting))
/// it may instead hold a verified [`MachineAuth`], as `@clerk/express`'s
/// `getAuth(req, { acceptsToken })` objects do: [`token_type`](Self::token_type) tells which, [`machine`](Self::machine)
/// gives it, and [`user_id`](Self::user_id)/[`org_id`](Self::org_id) follow Clerk's machine
/// objects (an API key's `user_…`/`org_…` subject, an OAuth token's user). `has()` is false
/// for machine tokens. Routes that accept session tokens only never see one.
///
/// ```
/// use clerk_runtime::Auth;
/// fn greet(auth: &Auth) -> String {
///     match auth.user_id() {
///         Some(id) => format!("hello {id}"),
///         None => "hello stranger".into(),
///     }
/// }
/// assert_eq!(greet(&Auth::signed_out()), "hello stranger");
/// ```
#[derive(Clone, Debug)]
pub struct Auth {
    session: Option<Session>,
    /// A pending session treated as signed out (its status is still reported).
    pending: bool,
    /// A verified machine token (never together with a session).
    machine: Option<MachineAuth>,
}

impl Auth {
    /// A signed-out auth object: every field empty, `has()` false.
    pub fn signed_out() -> Self {
        Self {
            session: None,
            pending: false,
            machine: None,
        }
    }

    /// A signed-out auth object for a `pending` session (status kept).
    pub fn pending() -> Self {
        Self {
            session: None,
            pending: true,
            machine: None,
        }
    }

    /// The auth object of a signed-in session. With `treat_pending_as_signed_out` (Clerk's
    /// default), a `pending` session yields a signed-out object that still reports its
    /// status.
    pub fn from_session(session: Session, treat_pending_as_signed_out: bool) -> Self {
        if treat_pending_as_signed_out && session.is_pending() {
            return Self::pending();
        }
        Self {
            pending: false,
            session: Some(session),
            machine: None,
        }
    }

    /// The auth object of a verified machine token.
    ///
    /// ```
    /// # fn run(machine: clerk_runtime::MachineAuth) {
    /// let auth = clerk_runtime::Auth::from_machine(machine);
    /// assert!(auth.is_authenticated() && !auth.is_signed_in());
    /// # }
    /// ```
    pub fn from_machine(machine: MachineAuth) -> Self {
        Self {
            session: None,
            pending: false,
            machine: Some(machine),
        }
    }

    /// The token type: [`TokenType::SessionToken`] for a
    /// session and when signed out, else the machine token's type.
    ///
    /// ```
    /// use clerk_runtime::{Auth, TokenType};
    /// fn who(auth: &Auth) -> String {
    ///     match (auth.token_type(), auth.machine()) {
    ///         (TokenType::SessionToken, _) => format!("user {:?}", auth.user_id()),
    ///         (kind, Some(machine)) => format!("{kind} {}", machine.subject()),
    ///         (kind, None) => kind.to_string(),
    ///     }
    /// }
    /// assert_eq!(who(&Auth::signed_out()), "user None");
    /// ```
    pub fn token_type(&self) -> TokenType {
        match &self.machine {
            Some(machine) => machine.token_type(),
            None => TokenType::SessionToken,
        }
    }

    /// Whether a session (not pending) or a machine token was verified (Clerk's
    /// `isAuthenticated`).
    pub fn is_authenticated(&self) -> bool {
        self.session.is_some() || self.machine.is_some()
    }

    /// The machine token, when the request carried one.
    pub fn machine(&self) -> Option<&MachineAuth> {
        self.machine.as_ref()
    }

    /// Takes the machine token out, when the request carried one.
    pub fn into_machine(self) -> Option<MachineAuth> {
        self.machine
    }

    /// Whether a (non-pending) session is present (a machine token does not count: see
    /// [`is_authenticated`](Self::is_authenticated)).
    pub fn is_signed_in(&self) -> bool {
        self.session.is_some()
    }

    /// The session, if signed in.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Takes the session out, if signed in.
    pub fn into_session(self) -> Option<Session> {
        self.session
    }

    /// The user id, if signed in; for a machine token, the user it acts for (an API key
    /// whose subject is `user_…`, an OAuth token's subject).
    pub fn user_id(&self) -> Option<&str> {
        match &self.session {
            Some(session) => Some(session.user_id()),
            None => self.machine.as_ref().and_then(MachineAuth::user_id),
        }
    }

    /// The session id, if signed in.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(Session::session_id)
    }

    /// The session status (`active`, `pending`), when known; kept for a pending session
    /// that is treated as signed out.
    pub fn session_status(&self) -> Option<&str> {
        match &self.session {
            Some(session) => session.session_status(),
            None => self.pending.then_some("pending"),
        }
    }

    /// The active organization id, if any; for a machine token, an API key's `org_…`
    /// subject.
    pub fn org_id(&self) -> Option<&str> {
        match &self.session {
            Some(session) => session.org_id(),
            None => self.machine.as_ref().and_then(MachineAuth::org_id),
        }
    }

    /// The organization role, if any.
    pub fn org_role(&self) -> Option<&str> {
        self.session.as_ref().and_then(Session::org_role)
    }

    /// The organization slug, if any.
    pub fn org_slug(&self) -> Option<&str> {
        self.session.as_ref().and_then(Session::org_slug)
    }

    /// The organization permissions (empty when signed out).
    pub fn org_permissions(&self) -> &[String] {
        self.session
            .as_ref()
            .map(Session::org_permissions)
            .unwrap_or_default()
    }

    /// The actor claim, if any.
    pub fn actor(&self) -> Option<&Value> {
        self.session.as_ref().and_then(Session::actor)
    }

    /// A session token, like Clerk's `getToken({ template })`: `Ok(None)` when signed out;
    /// see [`Session::get_token`]. For a machine token, the raw token (the template is
    /// ignored, as in Clerk's machine auth objects).
    ///
    /// ```no_run
    /// # async fn run(auth: clerk_runtime::Auth) -> Result<(), clerk_runtime::api::ApiError> {
    /// if let Some(jwt) = auth.get_token(Some("supabase")).await? {
    ///     println!("forward {} bytes", jwt.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_token(&self, template: Option<&str>) -> Result<Option<String>, ApiError> {
        match (&self.session, &self.machine) {
            (Some(session), _) => session.get_token(template).await.map(Some),
            (None, Some(machine)) => Ok(Some(machine.token().to_owned())),
            (None, None) => Ok(None),
        }
    }

    /// Authorization check; always false when signed out and for machine tokens.
    pub fn has(&self, check: &Has) -> bool {
        self.session.as_ref().is_some_and(|s| s.has(check))
    }

    /// The verified claims, if signed in.
    pub fn claims(&self) -> Option<&SessionClaims> {
        self.session.as_ref().map(Session::claims)
    }
}
